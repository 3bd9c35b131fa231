#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The outbox's sense of time: the stored time now (``OutboxTimestamp``) and a way to wait.
///
/// ``system`` reads the real-time clock and sleeps on `ContinuousClock`. Tests build one from a manual
/// clock (``init(_:origin:)``), so that backoffs, leases and ages move only when the test says.
public struct OutboxClock: Sendable {
    /// The stored time now.
    public var now: @Sendable () -> OutboxTimestamp
    /// Waits until the stored time is at least the given one (throws `CancellationError` when cancelled).
    ///
    /// Waits name a time, not a duration: a loop that read ``now``, decided, and then waits cannot miss
    /// time that moved in between.
    public var sleepUntil: @Sendable (OutboxTimestamp) async throws -> Void

    public init(now: @escaping @Sendable () -> OutboxTimestamp, sleepUntil: @escaping @Sendable (OutboxTimestamp) async throws -> Void) {
        self.now = now
        self.sleepUntil = sleepUntil
    }

    /// Stored times from `clock`: `origin` plus the time elapsed on `clock` since this call.
    public init<C: Clock>(_ clock: C, origin: OutboxTimestamp = 0) where C.Duration == Duration {
        let start = clock.now
        self.now = { origin + start.duration(to: clock.now).outboxMilliseconds }
        self.sleepUntil = { time in
            try await clock.sleep(until: start.advanced(by: .milliseconds(time - origin)), tolerance: nil)
        }
    }

    /// Waits `duration` from now.
    public func sleep(_ duration: Duration) async throws {
        try await sleepUntil(now() + duration.outboxMilliseconds)
    }

    /// The real-time clock (`CLOCK_REALTIME`) and `ContinuousClock` for waits.
    public static var system: OutboxClock {
        let now: @Sendable () -> OutboxTimestamp = {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
        }
        return OutboxClock(now: now, sleepUntil: { time in
            let remaining = time - now()
            if remaining > 0 { try await ContinuousClock().sleep(for: .milliseconds(remaining)) }
        })
    }
}
