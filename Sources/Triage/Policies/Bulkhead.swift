import Synchronization

/// Limits how many calls run at once, with an optional bounded queue; the excess is rejected at once
/// with `concurrency.limited` (decision `retry`, delivery `notSent`).
public final class Bulkhead: Sendable {
    /// Calls allowed to run at once.
    public let maximumConcurrent: Int
    /// Calls allowed to wait for a slot (default 0: reject when full).
    public let maximumQueued: Int

    private struct State {
        var running = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// - Throws: ``ConfigurationError`` when `maximumConcurrent < 1` or `maximumQueued < 0`.
    public init(maximumConcurrent: Int, maximumQueued: Int = 0) throws(ConfigurationError) {
        try ConfigurationError.require(maximumConcurrent >= 1, "Bulkhead.maximumConcurrent", "must be at least 1 (\(maximumConcurrent))")
        try ConfigurationError.require(maximumQueued >= 0, "Bulkhead.maximumQueued", "must not be negative (\(maximumQueued))")
        self.maximumConcurrent = maximumConcurrent
        self.maximumQueued = maximumQueued
    }

    /// Calls running now.
    public var running: Int { state.withLock { $0.running } }

    /// Calls waiting for a slot now.
    public var queued: Int { state.withLock { $0.waiters.count } }

    /// Takes a slot, waiting in the queue if there is room there.
    /// - Throws: a ``Failure`` of kind `concurrency.limited` when full, `CancellationError` if cancelled while queued.
    public func acquire() async throws {
        enum Outcome { case acquired, queue(UInt64), full }
        let outcome: Outcome = state.withLock { state in
            if state.running < maximumConcurrent {
                state.running += 1
                return .acquired
            }
            guard state.waiters.count < maximumQueued else { return .full }
            state.nextID += 1
            return .queue(state.nextID)
        }
        switch outcome {
        case .acquired:
            return
        case .full:
            throw Failure(.concurrencyLimited, detail: "bulkhead full")
        case .queue(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLock { state -> Bool in
                        if Task.isCancelled { return true }
                        state.waiters.append((id, continuation))
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    /// Gives a slot back, handing it to the first queued call if there is one.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.running -= 1
            return nil
        }
        next?.resume()
    }
}
