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
    /// Waits `duration` (throws `CancellationError` when cancelled).
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> OutboxTimestamp, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// Stored times from `clock`: `origin` plus the time elapsed on `clock` since this call.
    public init<C: Clock>(_ clock: C, origin: OutboxTimestamp = 0) where C.Duration == Duration {
        let start = clock.now
        self.now = { origin + start.duration(to: clock.now).outboxMilliseconds }
        self.sleep = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }

    /// The real-time clock (`CLOCK_REALTIME`) and `ContinuousClock` for waits.
    public static var system: OutboxClock {
        OutboxClock(
            now: {
                var spec = timespec()
                clock_gettime(CLOCK_REALTIME, &spec)
                return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
            },
            sleep: { duration in try await ContinuousClock().sleep(for: duration) }
        )
    }
}
