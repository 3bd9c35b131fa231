import Synchronization

/// Client-side adaptive throttling (Google SRE book, "Handling Overload"): when the backend accepts
/// fewer requests than asked, reject some locally before sending them.
///
/// Rejection probability: `max(0, (requests − K × accepts) / (requests + 1))` over a sliding window
/// (default 2 minutes), K = 2 by default. A locally rejected call is `concurrency.limited` with
/// delivery `notSent`, and counts as a request (so the estimate keeps adapting).
///
/// Give one to a ``Pipeline`` (`throttle:`) to have every attempt pass through it; a response counts
/// as accepted unless it is a server-transient failure (``CircuitBreakerPolicy/isServerTransient(_:)``:
/// throttling, 5xx, transport errors).
public final class AdaptiveThrottle: Sendable {
    /// A throttle's settings, a value to copy and adjust (``standard``), checked by ``validate()``.
    public struct Configuration: Sendable, Hashable {
        /// The multiplier K on accepted requests (default 2; at least 1: lower rejects while all succeed).
        public var k: Double
        /// How far back requests are counted (default 2 minutes; positive, at most 100 years).
        public var window: Duration

        public init(k: Double = 2, window: Duration = .seconds(120)) {
            self.k = k
            self.window = window
        }

        /// K = 2 over 2 minutes (the SRE book's choice).
        public static var standard: Configuration { Configuration() }

        /// - Throws: ``ConfigurationError`` when `k < 1` or the window is not positive or above 100 years.
        public func validate() throws(ConfigurationError) {
            try ConfigurationError.require(k >= 1 && k.isFinite, "AdaptiveThrottle.k", "must be at least 1 (\(k))")
            try ConfigurationError.require(window > .zero && window <= SlidingWindow.maximumLength, "AdaptiveThrottle.window",
                                           "must be positive and at most 100 years (\(window))")
        }
    }

    public let k: Double
    private let window: LockedValue<SlidingWindow>

    /// - Throws: ``ConfigurationError`` when `configuration` does not validate (``Configuration/validate()``).
    public init(_ configuration: Configuration) throws(ConfigurationError) {
        try configuration.validate()
        self.k = configuration.k
        self.window = LockedValue(SlidingWindow(length: configuration.window))
    }

    /// The settings of ``Configuration`` given one by one.
    /// - Throws: ``ConfigurationError`` as ``Configuration/validate()``.
    public convenience init(k: Double = 2, window: Duration = .seconds(120)) throws(ConfigurationError) {
        try self.init(Configuration(k: k, window: window))
    }

    /// The probability a request at `now` is rejected locally. Times are the engine's (a `Duration`
    /// since the epoch of the pipeline's clock type), so these methods are the package's: give the
    /// throttle to a ``Pipeline`` to use it.
    package func rejectionProbability(now: Duration) -> Double {
        let (requests, rejects) = window.withLock { $0.totals(now: now) }
        let accepts = Double(requests - rejects)
        return max(0, (Double(requests) - k * accepts) / (Double(requests) + 1))
    }

    /// Decides for one request; `random` is a uniform draw in [0, 1). `true` means send it.
    package func allow(now: Duration, random: Double) -> Bool {
        random >= rejectionProbability(now: now)
    }

    /// Records what the backend did with a request that was sent, or that it was rejected locally
    /// (`accepted: false`). Throttling and overload responses count as not accepted.
    package func record(accepted: Bool, now: Duration) {
        window.withLock { $0.record(failure: !accepted, now: now) }
    }
}
