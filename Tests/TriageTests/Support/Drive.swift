import Synchronization
import TriageTestKit

/// Runs `body` while moving `clock` to each sleeper's deadline, so waits take no real time.
func drive<T: Sendable>(_ clock: ManualClock, _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
    let finished = LockedValue(false)
    let task = Task { () -> Result<T, any Error> in
        defer { finished.withLock { $0 = true } }
        do { return .success(try await body()) } catch { return .failure(error) }
    }
    await clock.runUntilIdle(rounds: 100_000) { finished.withLock { $0 } }
    return await task.value
}

/// Counts calls from concurrent closures.
final class Counter: Sendable {
    private let value = LockedValue(0)
    @discardableResult func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

struct Transient: ClassifiableError { var failureKind: FailureKind { .httpUnavailable } }
struct ResetError: ClassifiableError { var failureKind: FailureKind { .connectionReset } }
struct NotFound: ClassifiableError { var failureKind: FailureKind { .httpNotFound } }
struct Conflict: ClassifiableError { var failureKind: FailureKind { .httpConflict } }
struct Throttled: ClassifiableError {
    var delay: Duration
    var failureKind: FailureKind { .httpThrottled }
    var failureRetryAfter: Duration? { delay }
}
