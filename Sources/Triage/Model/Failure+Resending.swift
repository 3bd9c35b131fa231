extension Failure {
    /// Whether the server may have done the work: what keeps a request that is not idempotent (a POST
    /// or PATCH without an idempotency key) from being sent again (taxonomy.md, "Delivery").
    ///
    /// - `notSent`: no.
    /// - `maybeProcessed`: yes.
    /// - `processed`: yes, unless the response itself says the request was not acted on
    ///   (``FailureKind/saysNotActedOn``: 408, 425, 429 and throttling codes, 503, and the refusals
    ///   409 and 412). A 500, 502 or 504, and a Kubernetes `Timeout` or `ServerTimeout` ("may still
    ///   be processing"), may all follow work that was done.
    @inlinable
    public var serverMayHaveActed: Bool {
        switch delivery {
        case .notSent: false
        case .maybeProcessed: true
        case .processed: !kind.saysNotActedOn
        }
    }
}

extension FailureKind {
    /// Whether a response of this kind says the server did not act on the request: `http.requestTimeout`
    /// (408, S3 RequestTimeout), `http.tooEarly` (425), `http.throttled` (429 and throttling codes at
    /// any status), `http.unavailable` (503), and the refusals that ask for a refresh,
    /// `http.conflict` (409) and `http.preconditionFailed` (412), after which the caller rebuilds the
    /// request. A Kubernetes `ServerTimeout` is `http.serverError` and a `Timeout` is
    /// `http.gatewayTimeout`, so neither is here.
    @inlinable
    public var saysNotActedOn: Bool {
        self == .httpRequestTimeout || self == .httpTooEarly || self == .httpThrottled || self == .httpUnavailable
            || self == .httpConflict || self == .httpPreconditionFailed
    }
}
