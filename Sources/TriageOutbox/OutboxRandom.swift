import Triage
/// The random bits the outbox draws backoff jitter from, shared behind a lock.
///
/// `Triage.RandomSource` keeps its draw internal, so the outbox holds its own; tests pass a seeded
/// generator (`OutboxRandom(SeededRandom(seed: 1))`).
public final class OutboxRandom: Sendable {
    private let next: @Sendable () -> UInt64

    public init(_ generator: some RandomNumberGenerator & Sendable) {
        let shared = LockedValue(generator)
        next = { shared.withLock { $0.next() } }
    }

    /// The system's generator.
    public static let system = OutboxRandom(SystemRandomNumberGenerator())

    /// A generator view for APIs that take `inout some RandomNumberGenerator`.
    public struct Generator: RandomNumberGenerator {
        let source: OutboxRandom
        public mutating func next() -> UInt64 { source.next() }
    }

    public var generator: Generator { Generator(source: self) }
}
