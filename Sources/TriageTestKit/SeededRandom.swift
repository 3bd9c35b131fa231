import Triage

/// A deterministic random source (SplitMix64), so jitter in tests is reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    /// The same seed gives the same sequence on every platform.
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { generator.next() }
}

/// A random source that always returns the same fraction: for exact jitter bounds in tests.
public struct FixedRandom: RandomNumberGenerator, Sendable {
    private let value: UInt64

    /// `fraction` in [0, 1): 0 gives the smallest draw, values near 1 the largest.
    ///
    /// `Double.random(in:using:)` reads the low 53 bits of a draw, integer draws the high ones: the
    /// fraction goes in the low 53 bits exactly, and its top 11 bits go in the top 11 as well.
    public init(fraction: Double) {
        let bits = UInt64(max(0, min(fraction, 0.999_999_999_999)) * 0x1p53)
        value = bits | ((bits >> 42) << 53)
    }

    public mutating func next() -> UInt64 { value }
}
