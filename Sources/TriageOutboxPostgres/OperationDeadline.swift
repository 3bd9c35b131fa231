import Triage

/// One database operation that took longer than ``PostgresOutboxStore/operationTimeout``: its
/// connection is presumed lost, and the operation is tried again.
struct OperationTimedOut: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no answer within \(limit)" }
}

/// Runs `operation` in a task of its own and waits for it at most `limit`, or until the caller is
/// cancelled; then cancels it and leaves it to end on its own.
///
/// A statement written to a connection as the server goes down (`pg_ctl stop -m immediate`) can wait
/// forever, and the driver's waits do not end on cancellation: awaited in place, it would hold up the
/// delivery loop and its shutdown for good.
func abandoning<T: Sendable>(after limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let waiter = LockedValue<CheckedContinuation<T, any Error>?>(nil)
    let tasks = LockedValue<(work: Task<Void, Never>?, timer: Task<Void, Never>?)>((nil, nil))
    /// Resumes the caller once, with the first outcome.
    let finish: @Sendable (Result<T, any Error>) -> Void = { result in
        let continuation = waiter.withLock { waiter in
            defer { waiter = nil }
            return waiter
        }
        guard let continuation else { return }
        let (work, timer) = tasks.withLock { $0 }
        timer?.cancel()
        if case .failure = result { work?.cancel() }
        continuation.resume(with: result)
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            waiter.withLock { $0 = continuation }
            let work = Task {
                do { finish(.success(try await operation())) } catch { finish(.failure(error)) }
            }
            let timer = Task {
                do { try await Task.sleep(for: limit) } catch { return }
                finish(.failure(OperationTimedOut(limit: limit)))
            }
            tasks.withLock { $0 = (work, timer) }
            if Task.isCancelled { finish(.failure(CancellationError())) }
        }
    } onCancel: {
        finish(.failure(CancellationError()))
    }
}
