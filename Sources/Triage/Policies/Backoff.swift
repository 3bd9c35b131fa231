/// How long to wait before retry number *n* (n = 1 for the first retry).
///
/// | strategy | delay before retry n |
/// |---|---|
/// | constant | `base` |
/// | linear | `min(cap, base × n)` |
/// | exponential | `min(cap, base × multiplier^(n−1))` |
/// | fullJitter | `random(0, min(cap, base × multiplier^(n−1)))` |
/// | equalJitter | `t/2 + random(0, t/2)` with `t = min(cap, base × multiplier^(n−1))` |
/// | decorrelatedJitter | `min(cap, random(base, 3 × previous))`, `previous` starting at `base` |
///
/// Jitter spreads retries of many clients apart (AWS, "Exponential Backoff and Jitter"): full jitter
/// does the least work in total, decorrelated jitter finishes soonest.
public struct Backoff: Sendable, Hashable {
    /// The formula.
    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        case constant, linear, exponential, fullJitter, equalJitter, decorrelatedJitter
    }

    /// The formula (default in ``standard``: full jitter).
    public var strategy: Strategy
    /// The first delay (and the unit of the others; not negative).
    public var base: Duration
    /// No delay is longer than this (at least ``base``).
    public var cap: Duration
    /// Growth per retry for the exponential strategies (default 2; at least 1).
    public var multiplier: Double

    /// Checked by ``validate()``; a backoff that does not validate still never traps (delays are
    /// clamped to zero…``cap``).
    public init(_ strategy: Strategy, base: Duration, cap: Duration, multiplier: Double = 2) {
        self.strategy = strategy
        self.base = base
        self.cap = cap
        self.multiplier = multiplier
    }

    /// - Throws: ``ConfigurationError`` when `base` is negative, `cap < base`, or `multiplier < 1`.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(base >= .zero, "Backoff.base", "must not be negative (\(base))")
        try ConfigurationError.require(cap >= base, "Backoff.cap", "must be at least base (\(cap) < \(base))")
        try ConfigurationError.require(multiplier >= 1 && multiplier.isFinite, "Backoff.multiplier", "must be at least 1 (\(multiplier))")
    }

    /// Full jitter from 100 ms to 10 s, doubling: Triage's default (as AWS's SDKs and gRPC).
    public static var standard: Backoff { Backoff(.fullJitter, base: .milliseconds(100), cap: .seconds(10)) }

    /// One delay and how it was drawn, for the decision record.
    public struct Draw: Sendable, Hashable {
        /// The delay to wait.
        public var delay: Duration
        /// The ceiling the random draw was taken under (the formula's value before jitter).
        public var ceiling: Duration
        /// The uniform random number in [0, 1) that was drawn, or `nil` for strategies without jitter.
        public var random: Double?
    }

    /// The delay before retry `retry` (1-based); `previous` is the last delay (decorrelated jitter only).
    public func delay(retry: Int, previous: Duration?, using generator: inout some RandomNumberGenerator) -> Draw {
        let baseNanos = base.nanoseconds
        let capNanos = cap.nanoseconds
        let n = max(1, retry)
        switch strategy {
        case .constant:
            let value = Duration.nanoseconds(min(capNanos, baseNanos))
            return Draw(delay: value, ceiling: value, random: nil)
        case .linear:
            let value = min(capNanos, baseNanos * Double(n))
            return Draw(delay: .nanoseconds(value), ceiling: .nanoseconds(value), random: nil)
        case .exponential:
            let value = exponential(n, baseNanos, capNanos)
            return Draw(delay: .nanoseconds(value), ceiling: .nanoseconds(value), random: nil)
        case .fullJitter:
            let ceiling = exponential(n, baseNanos, capNanos)
            let draw = Double.random(in: 0..<1, using: &generator)
            return Draw(delay: .nanoseconds(ceiling * draw), ceiling: .nanoseconds(ceiling), random: draw)
        case .equalJitter:
            let ceiling = exponential(n, baseNanos, capNanos)
            let draw = Double.random(in: 0..<1, using: &generator)
            return Draw(delay: .nanoseconds(ceiling / 2 + ceiling / 2 * draw), ceiling: .nanoseconds(ceiling), random: draw)
        case .decorrelatedJitter:
            let upper = max(baseNanos, 3 * (previous ?? base).nanoseconds)
            let draw = Double.random(in: 0..<1, using: &generator)
            let value = min(capNanos, baseNanos + (upper - baseNanos) * draw)
            return Draw(delay: .nanoseconds(value), ceiling: .nanoseconds(min(capNanos, upper)), random: draw)
        }
    }

    private func exponential(_ n: Int, _ base: Double, _ cap: Double) -> Double {
        // Bounded exponent: past 2^1023 the product is infinite, and the cap applies anyway.
        min(cap, base * integerPower(multiplier, Double(min(n - 1, 1000))))
    }
}

extension Duration {
    /// Whole nanoseconds as a `Double`.
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// A duration of `value` nanoseconds, clamped to what `Duration` holds.
    static func nanoseconds(_ value: Double) -> Duration {
        guard value.isFinite, value > 0 else { return .zero }
        return .nanoseconds(Int64(min(value, 9.2e18)))
    }
}

/// x^y without Foundation, for the bounded exponents backoff uses.
@inline(__always)
func integerPower(_ x: Double, _ y: Double) -> Double {
    if y == 0 { return 1 }
    var result = 1.0
    var base = x
    var exponent = Int(y)
    while exponent > 0 {
        if exponent & 1 == 1 { result *= base }
        base *= base
        exponent >>= 1
        if result.isInfinite { return result }
    }
    return result
}
