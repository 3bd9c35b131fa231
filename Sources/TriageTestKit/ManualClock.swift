@_exported import Triage
import Synchronization

/// A clock that moves only when told: `sleep` suspends until ``advance(by:)`` moves time past the
/// deadline, so tests of delays never wait for real.
///
/// ```swift
/// let clock = ManualClock()
/// async let result = pipeline.run(clock: clock) { ... }
/// await clock.waitForSleepers(1)
/// clock.advance(by: .seconds(1))
/// ```
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol, OriginInstant, Sendable, Hashable, CustomStringConvertible {
        /// Time since the clock was made.
        public var offset: Duration
        /// Every manual clock starts at offset zero, which pipelines measure from.
        package static var origin: Instant { Instant(offset: .zero) }

        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "t+\(offset)" }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let state = LockedValue(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil || Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    return state.sleepers.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Suspends until at least `count` tasks sleep on this clock (yielding, not sleeping for real), or
    /// until `rounds` yields (default 10,000,000, seconds of CPU) have passed without it: then it returns
    /// anyway, so that a task that never sleeps fails the test's next expectation instead of hanging it.
    public func waitForSleepers(_ count: Int = 1, rounds: Int = 10_000_000) async {
        var yields = 0
        while sleeperCount < count, yields < rounds {
            await Task.yield()
            yields += 1
        }
    }

    /// Drives time until `done()`: whenever the sleepers have stayed the same for `settle` yields
    /// (the tasks under test have gone as far as they can), moves to the earliest sleeper's deadline.
    /// Gives up after `rounds` yields.
    public func runUntilIdle(rounds: Int = 100_000, settle: Int = 50, until done: @Sendable () -> Bool) async {
        var quiet = 0
        var lastCount = -1
        for _ in 0..<rounds {
            if done() { return }
            await Task.yield()
            let (count, next) = state.withLock { state in (state.sleepers.count, state.sleepers.map(\.deadline).min()) }
            if count != lastCount {
                lastCount = count
                quiet = 0
                continue
            }
            quiet += 1
            if quiet >= settle, let next {
                advance(by: now.duration(to: next))
                quiet = 0
                lastCount = -1
            }
        }
    }
}
