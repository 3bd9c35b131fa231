import Triage

/// How one handler's errors are retried, limited and spaced (Kopf's handler options, and Triage's).
///
/// Copy ``kopf`` and change what you need:
/// ```swift
/// var options = HandlerOptions.kopf
/// options.retries = 5
/// options.timeout = .seconds(600)
/// options.errors = .classified
/// ```
public struct HandlerOptions: Sendable {
    /// What an arbitrary error means. Default ``ErrorsMode/temporary`` (Kopf's).
    public var errors: ErrorsMode = .temporary
    /// Retries allowed after the first attempt of a change; `nil` (the default, Kopf's) for unlimited.
    /// With `retries = 2` a handler runs at most 3 times for one change (`retry` 0, 1 and 2). Kopf counts
    /// the first attempt as one of its `retries`; Triage does not.
    public var retries: Int?
    /// The longest a change may take, measured from its persisted start, so time the operator was down
    /// counts. `nil` (the default) for none. A retry whose delay would end after it fails at once.
    public var timeout: Duration?
    /// The longest one invocation may run before it is cancelled and counted as an arbitrary error
    /// (``HandlerAttemptTimeout``); `nil` (the default) for none.
    public var attemptTimeout: Duration?
    /// The delay before retry *n* after an arbitrary error. Default a constant 60 s (Kopf's).
    public var backoff: Backoff = .kopf
    /// The delay before retrying after a `refresh` or `relist` decision in ``ErrorsMode/classified``
    /// mode (a conflict: re-read and try again soon). Default 1 s.
    public var refreshDelay: Duration = .seconds(1)
    /// Classifies arbitrary errors in ``ErrorsMode/classified`` mode. Default ``ClassifierChain/core``;
    /// pass your client's chain (for example `ClassifierChain.asyncHTTPClient`).
    public var classifier: ClassifierChain = .core

    public init() {}

    /// Kopf's defaults: temporary errors mode, unlimited retries, no timeouts, 60 s backoff.
    public static var kopf: HandlerOptions { HandlerOptions() }

    /// Throws when a limit is negative or the backoff does not validate (``Backoff/validate()``).
    public func validate() throws(ConfigurationError) {
        if let retries, retries < 0 { throw ConfigurationError("HandlerOptions.retries", "must not be negative (\(retries))") }
        if let timeout, timeout < .zero { throw ConfigurationError("HandlerOptions.timeout", "must not be negative (\(timeout))") }
        if let attemptTimeout, attemptTimeout <= .zero {
            throw ConfigurationError("HandlerOptions.attemptTimeout", "must be positive (\(attemptTimeout))")
        }
        if refreshDelay < .zero { throw ConfigurationError("HandlerOptions.refreshDelay", "must not be negative (\(refreshDelay))") }
        try backoff.validate()
    }
}

extension Backoff {
    /// A constant 60 s: Kopf's default delay before retrying a handler's arbitrary error.
    public static var kopf: Backoff { Backoff(.constant, base: .seconds(60), cap: .seconds(60)) }
}
