import Synchronization

/// A token bucket shared by every operation of a client that bounds how many retries it sends, so an
/// outage does not multiply the load on a struggling server. On by default.
///
/// The rule (gRPC's retry throttling, with Finagle's floor):
/// - the bucket holds up to ``maximumTokens`` (default 10) and starts full;
/// - every failed attempt takes 1 token; every success gives back ``tokenRatio`` (default 0.3);
/// - a retry is allowed while the bucket holds more than half its maximum, **or** the floor of
///   ``minimumRetriesPerSecond`` (default 1) has room this second.
///
/// Under a total outage the bucket empties after a handful of failures, so retries fall to the floor:
/// the load reaching the server stays at about the offered load (≤ 1.1×), where plain 3-attempt retry
/// triples it. While a share `f` of attempts fails, the bucket holds up when `(1 − f) × tokenRatio ≥ f`,
/// that is `f ≤ tokenRatio / (1 + tokenRatio)`: with the default 0.3, retries keep flowing up to about
/// 23 % failures (gRPC's example 0.1 stops them at 9 %, too early for a server shedding a fifth of its load).
///
/// A failure that names its delay (Retry-After on a 429 or 503) takes its token like any other:
/// `Retry-After: 0` (or a date in the past) paces nothing, and a throttling outage must not let every
/// caller retry in lockstep at 3× the load.
public final class RetryBudget: Sendable {
    public let maximumTokens: Double
    public let tokenRatio: Double
    public let minimumRetriesPerSecond: Int

    private struct State {
        var tokens: Double
        var floorSecond: Int64 = .min
        var floorUsed = 0
        var retriesAllowed = 0
        var retriesRefused = 0
    }

    private let state: LockedValue<State>
    /// The tokens (a `Double`'s bits), read without the lock so that a success on a full bucket (the
    /// common case) and a look at ``level`` cost no lock. Written under the lock after every change.
    @usableFromInline let tokenBits: Atomic<UInt64>

    /// A budget's settings, a value to copy and adjust (``standard``), checked by ``validate()``.
    public struct Configuration: Sendable, Hashable {
        /// The bucket's size, and its level at the start (default 10; above 0).
        public var maximumTokens: Double
        /// Tokens a success gives back (default 0.3; within 0…1).
        public var tokenRatio: Double
        /// Retries allowed each second however empty the bucket (default 1; not negative).
        public var minimumRetriesPerSecond: Int

        public init(maximumTokens: Double = 10, tokenRatio: Double = 0.3, minimumRetriesPerSecond: Int = 1) {
            self.maximumTokens = maximumTokens
            self.tokenRatio = tokenRatio
            self.minimumRetriesPerSecond = minimumRetriesPerSecond
        }

        /// 10 tokens, 0.3 back per success, a floor of 1 retry per second.
        public static var standard: Configuration { Configuration() }

        /// - Throws: ``ConfigurationError`` for a non-positive maximum, a ratio outside 0…1 or a negative floor.
        public func validate() throws(ConfigurationError) {
            try ConfigurationError.require(maximumTokens > 0 && maximumTokens.isFinite, "RetryBudget.maximumTokens", "must be above 0 (\(maximumTokens))")
            try ConfigurationError.require((0...1).contains(tokenRatio), "RetryBudget.tokenRatio", "must be within 0…1 (\(tokenRatio))")
            try ConfigurationError.require(minimumRetriesPerSecond >= 0, "RetryBudget.minimumRetriesPerSecond", "must not be negative")
        }
    }

    /// - Throws: ``ConfigurationError`` when `configuration` does not validate (``Configuration/validate()``).
    public convenience init(_ configuration: Configuration) throws(ConfigurationError) {
        try configuration.validate()
        self.init(checked: configuration.maximumTokens, tokenRatio: configuration.tokenRatio,
                  minimumRetriesPerSecond: configuration.minimumRetriesPerSecond)
    }

    /// The settings of ``Configuration`` given one by one.
    /// - Throws: ``ConfigurationError`` as ``Configuration/validate()``.
    public convenience init(maximumTokens: Double = 10, tokenRatio: Double = 0.3, minimumRetriesPerSecond: Int = 1) throws(ConfigurationError) {
        try self.init(Configuration(maximumTokens: maximumTokens, tokenRatio: tokenRatio, minimumRetriesPerSecond: minimumRetriesPerSecond))
    }

    /// A budget on ``Configuration/standard``.
    public convenience init() {
        self.init(checked: 10, tokenRatio: 0.3, minimumRetriesPerSecond: 1)
    }

    /// Values the public initialisers have checked.
    init(checked maximumTokens: Double, tokenRatio: Double, minimumRetriesPerSecond: Int) {
        self.maximumTokens = maximumTokens
        self.tokenRatio = tokenRatio
        self.minimumRetriesPerSecond = minimumRetriesPerSecond
        self.state = LockedValue(State(tokens: maximumTokens))
        self.tokenBits = Atomic(maximumTokens.bitPattern)
    }

    /// The tokens in the bucket now.
    @inlinable public var level: Double { Double(bitPattern: tokenBits.load(ordering: .relaxed)) }

    /// How many retries were allowed and refused so far.
    public var counts: (allowed: Int, refused: Int) { state.withLock { ($0.retriesAllowed, $0.retriesRefused) } }

    /// Records an attempt that succeeded.
    @inlinable
    public func recordSuccess() {
        // A deposit skipped while a failure races it is a fraction of a token: the budget is a rate.
        if level >= maximumTokens { return }
        deposit()
    }

    @usableFromInline
    func deposit() {
        state.withLock {
            $0.tokens = min(maximumTokens, $0.tokens + tokenRatio)
            tokenBits.store($0.tokens.bitPattern, ordering: .relaxed)
        }
    }

    public func recordFailure() {
        state.withLock {
            $0.tokens = max(0, $0.tokens - 1)
            tokenBits.store($0.tokens.bitPattern, ordering: .relaxed)
        }
    }

    /// Asks for one retry at `second` (whole seconds of any monotonic clock). `true` spends it. Every
    /// caller of one budget must count seconds on the same clock from the same origin, or each switch
    /// resets the per-second floor: a pipeline's budget is asked through ``Pipeline/takeRetry()``.
    public func tryRetry(atSecond second: Int64) -> Bool {
        state.withLock { state in
            if state.tokens > maximumTokens / 2 {
                state.retriesAllowed += 1
                return true
            }
            if state.floorSecond != second {
                state.floorSecond = second
                state.floorUsed = 0
            }
            if state.floorUsed < minimumRetriesPerSecond {
                state.floorUsed += 1
                state.retriesAllowed += 1
                return true
            }
            state.retriesRefused += 1
            return false
        }
    }
}
