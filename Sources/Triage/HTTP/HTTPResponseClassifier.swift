/// Turns an HTTP response's status, headers and (error) body into a ``Failure``, following the
/// taxonomy's HTTP table.
///
/// - 1xx, 2xx and 3xx are not failures (`nil`).
/// - A named delay is read from `Retry-After` (seconds or HTTP-date), `x-amz-retry-after` (milliseconds)
///   or the decoded body (Kubernetes `details.retryAfterSeconds`), and capped at ``maximumRetryAfter``.
/// - A decoded API error body refines the kind (the body's code wins over the bare status): see
///   ``APIErrorDecoder``.
public struct HTTPResponseClassifier: Sendable {
    /// The longest delay reported from a response (default 1 day). Anything longer is treated as this
    /// long; the retry policy decides separately whether to wait or to hand the delay to the caller.
    public var maximumRetryAfter: Duration

    /// How error bodies are decoded (default ``APIErrorDecoder/init()``: 64 KiB at most).
    public var decoder: APIErrorDecoder

    public init(maximumRetryAfter: Duration = .seconds(86_400), decoder: APIErrorDecoder = APIErrorDecoder()) {
        self.maximumRetryAfter = maximumRetryAfter
        self.decoder = decoder
    }

    /// The failure a response stands for, or `nil` for 1xx, 2xx and 3xx.
    ///
    /// - Parameters:
    ///   - headers: name/value pairs; names are matched case-insensitively.
    ///   - body: the error body, if it was read (pass at most ``APIErrorDecoder/maximumBodySize`` bytes).
    ///   - now: Unix time in seconds, for `Retry-After` dates.
    public func classify(status: Int, headers: [(name: String, value: String)], body: [UInt8]?, now: Double) -> Failure? {
        classify(status: status, headers: headers, body: body, now: now, request: HTTPRequestContext())
    }

    /// The failure a response to `request` stands for, or `nil` for 1xx, 2xx and 3xx.
    ///
    /// Beyond ``classify(status:headers:body:now:)``: a Kubernetes `Gone` on a watch is `watch.expired`,
    /// and for a Kubernetes server a body that is not a Status is read as apimachinery's
    /// ``KubernetesStatus/genericServerResponse(code:method:serverMessage:retryAfterSeconds:)``.
    public func classify(status: Int, headers: [(name: String, value: String)], body: [UInt8]?, now: Double,
                         request: HTTPRequestContext) -> Failure? {
        guard status >= 400 || status < 100 else { return nil }
        let headerDelay = Self.retryAfter(in: headers, now: now)
        var decoded = body.flatMap { decoder.decode(body: $0, status: status, headers: headers) }
        if case .kubernetes(let document)? = decoded?.error, request.isWatch {
            decoded = document.decoded(responseStatus: status, isWatch: true)
        } else if decoded == nil, request.isKubernetes {
            let oversized = (body?.count ?? 0) > decoder.maximumBodySize
            let generic = KubernetesStatus.forResponse(code: status, method: request.method,
                                                       body: oversized ? [] : body ?? [], retryAfter: headerDelay)
            decoded = generic.decoded(responseStatus: status, isWatch: request.isWatch)
        }
        var delay = headerDelay ?? decoded?.info.retryAfter
        if let named = delay { delay = min(named, maximumRetryAfter) }

        let kind = decoded?.kind ?? Self.kind(forStatus: status)
        var failure = Failure(kind, retryAfter: delay, status: status, api: decoded?.info, detail: "HTTP \(status)")
        failure.delivery = .processed
        return failure
    }

    /// The kind of a bare status, without a body (taxonomy.md, "HTTP responses").
    public static func kind(forStatus status: Int) -> FailureKind {
        switch status {
        case 400: .httpBadRequest
        case 401: .httpUnauthorized
        case 403: .httpForbidden
        case 404: .httpNotFound
        case 405: .httpMethodNotAllowed
        case 408: .httpRequestTimeout
        case 409: .httpConflict
        case 410: .httpGone
        case 412: .httpPreconditionFailed
        case 413: .httpPayloadTooLarge
        case 415: .httpUnsupportedMediaType
        case 422: .httpInvalid
        case 425: .httpTooEarly
        case 429: .httpThrottled
        case 400..<500: .httpClientError
        case 501, 505: .httpNotImplemented
        case 502: .httpBadGateway
        case 503: .httpUnavailable
        case 504: .httpGatewayTimeout
        case 500..<600: .httpServerError
        default: .responseMalformed
        }
    }

    /// The delay the headers name: `Retry-After` first, then `x-amz-retry-after`.
    public static func retryAfter(in headers: [(name: String, value: String)], now: Double) -> Duration? {
        var amazon: Duration?
        for (name, value) in headers {
            if name.utf8.count == 11, name.lowercased() == "retry-after", let delay = RetryAfter.parse(value, now: now) {
                return delay
            }
            if name.utf8.count == 17, name.lowercased() == "x-amz-retry-after" {
                amazon = RetryAfter.parseMilliseconds(value)
            }
        }
        return amazon
    }
}
