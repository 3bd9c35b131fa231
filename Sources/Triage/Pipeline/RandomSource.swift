import Synchronization

/// The random bits a ``Pipeline`` draws jitter and throttling decisions from.
///
/// ``system`` (the default) is the system's generator; tests pass a seeded generator so that every
/// delay is reproducible: `RandomSource(SeededRandom(seed: 1))`.
public struct RandomSource: Sendable {
    private let next: @Sendable () -> UInt64

    /// Draws from `generator`, shared by every operation of the pipeline behind a lock.
    public init(_ generator: some RandomNumberGenerator & Sendable) {
        let shared = LockedValue(generator)
        next = { shared.withLock { $0.next() } }
    }

    private init(next: @escaping @Sendable () -> UInt64) { self.next = next }

    /// The system's generator.
    public static let system = RandomSource(next: {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    })

    /// A generator view for APIs that take `inout some RandomNumberGenerator` (the pipeline's jitter,
    /// the outbox's backoff).
    @usableFromInline
    package struct Generator: RandomNumberGenerator {
        let source: RandomSource
        @usableFromInline package mutating func next() -> UInt64 { source.next() }
    }

    @usableFromInline package var generator: Generator { Generator(source: self) }

    /// A uniform draw in [0, 1).
    @usableFromInline func fraction() -> Double {
        var generator = generator
        return Double.random(in: 0..<1, using: &generator)
    }
}
