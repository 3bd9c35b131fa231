/// When and how often to try an operation again.
///
/// Default (``standard``): 3 attempts in all; full-jitter backoff from 100 ms doubling to at most
/// 10 s; retry the decisions `retry` and `retryAfter`; honour a Retry-After up to 30 s.
/// Why: three attempts ride out a blip without tripling a real outage (the retry budget caps that
/// anyway); full jitter spreads synchronized clients apart with the least total work (AWS, Polly and
/// gRPC use the same); a named delay is waited with a little jitter on top (``retryAfterJitter(for:fraction:)``);
/// a server asking for more than 30 s is better rescheduled by the caller than
/// slept through, so such a delay ends the operation with decision `retryAfter` and the delay.
///
/// Adjust a copy of a preset (`var policy = RetryPolicy.standard; policy.maximumAttempts = 5`); the
/// values are checked by ``validate()``, which ``Pipeline/validate()`` calls.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (1 means no retry; default 3; at least 1).
    public var maximumAttempts: Int
    /// The delay between attempts when nobody named one (default ``Backoff/standard``).
    public var backoff: Backoff
    /// Which decisions are retried (default `retry` and `retryAfter`; `refresh` is retried only when a
    /// refresh step is given).
    public var retriedDecisions: Set<Decision> { didSet { retriedMask = Self.mask(retriedDecisions) } }
    /// The longest Retry-After that is waited out (default 30 s; not negative).
    public var maximumRetryAfter: Duration
    /// ``retriedDecisions`` as one bit per decision: the hot path tests a bit instead of hashing.
    @usableFromInline private(set) var retriedMask: UInt8

    public init(
        maximumAttempts: Int = 3,
        backoff: Backoff = .standard,
        retriedDecisions: Set<Decision> = [.retry, .retryAfter],
        maximumRetryAfter: Duration = .seconds(30)
    ) {
        self.maximumAttempts = maximumAttempts
        self.backoff = backoff
        self.retriedDecisions = retriedDecisions
        self.retriedMask = Self.mask(retriedDecisions)
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// - Throws: ``ConfigurationError`` when `maximumAttempts < 1`, `maximumRetryAfter` is negative, or the
    ///   backoff is invalid (``Backoff/validate()``).
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(maximumAttempts >= 1, "RetryPolicy.maximumAttempts", "must be at least 1 (\(maximumAttempts))")
        try ConfigurationError.require(maximumRetryAfter >= .zero, "RetryPolicy.maximumRetryAfter", "must not be negative")
        try backoff.validate()
    }

    private static func mask(_ decisions: Set<Decision>) -> UInt8 { decisions.reduce(0) { $0 | $1.bit } }

    /// The jitter added on top of a named delay `named` (Retry-After, `retryAfterSeconds`), never below
    /// it: `fraction × max(named / 10, backoff.base)`, with `fraction` uniform in [0, 1). Clients told
    /// the same moment (`Retry-After: 0`, one date) then come back spread over a tenth of the delay, or
    /// over the backoff's first step (100 ms in ``standard``), instead of all at once.
    @inlinable
    public func retryAfterJitter(for named: Duration, fraction: Double) -> Duration {
        let spread = max(named / 10, backoff.base)
        return spread * min(max(fraction, 0), 1)
    }

    /// Whether `decision` is among ``retriedDecisions``.
    @inlinable
    public func retries(_ decision: Decision) -> Bool { retriedMask & decision.bit != 0 }

    /// 3 attempts, full jitter 100 ms…10 s, Retry-After honoured up to 30 s.
    public static var standard: RetryPolicy { RetryPolicy() }

    /// One attempt, no retry.
    public static var never: RetryPolicy { RetryPolicy(maximumAttempts: 1) }
}

extension RetryPolicy {
    /// The name before every limit was spelled `maximum…`.
    @available(*, deprecated, renamed: "maximumAttempts")
    public var maxAttempts: Int {
        get { maximumAttempts }
        set { maximumAttempts = newValue }
    }

    @available(*, deprecated, renamed: "init(maximumAttempts:backoff:retriedDecisions:maximumRetryAfter:)")
    public init(maxAttempts: Int, backoff: Backoff = .standard, retriedDecisions: Set<Decision> = [.retry, .retryAfter],
                maximumRetryAfter: Duration = .seconds(30)) {
        self.init(maximumAttempts: maxAttempts, backoff: backoff, retriedDecisions: retriedDecisions, maximumRetryAfter: maximumRetryAfter)
    }
}
