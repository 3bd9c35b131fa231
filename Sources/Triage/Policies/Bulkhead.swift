import Synchronization

/// Limits how many calls run at once, with an optional bounded queue; the excess is rejected at once
/// with `concurrency.limited` (decision `retry`, delivery `notSent`).
///
/// A queued call keeps its place from the moment it is counted, so a slot released before it has
/// started waiting is handed to it (no lost wakeup), and the queue never holds more than
/// ``maximumQueued``. The ``Pipeline`` bounds the wait by the attempt's deadline.
public final class Bulkhead: Sendable {
    /// Calls allowed to run at once.
    public let maximumConcurrent: Int
    /// Calls allowed to wait for a slot (default 0: reject when full).
    public let maximumQueued: Int

    private struct Waiter {
        var id: UInt64
        /// `nil` until the caller has suspended.
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var running = 0
        /// In arrival order; each holds a place in the queue, suspended yet or not.
        var waiters: [Waiter] = []
        /// Queued callers handed a slot before they had suspended: they take it when they do.
        var grantedEarly: Set<UInt64> = []
        /// Queued callers cancelled before they had suspended: they throw when they do.
        var cancelledEarly: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = LockedValue(State())

    /// A bulkhead's settings, a value to copy and adjust, checked by ``validate()``.
    public struct Configuration: Sendable, Hashable {
        /// Calls allowed to run at once (at least 1).
        public var maximumConcurrent: Int
        /// Calls allowed to wait for a slot (default 0: reject when full; not negative).
        public var maximumQueued: Int

        public init(maximumConcurrent: Int, maximumQueued: Int = 0) {
            self.maximumConcurrent = maximumConcurrent
            self.maximumQueued = maximumQueued
        }

        /// - Throws: ``ConfigurationError`` when `maximumConcurrent < 1` or `maximumQueued < 0`.
        public func validate() throws(ConfigurationError) {
            try ConfigurationError.require(maximumConcurrent >= 1, "Bulkhead.maximumConcurrent", "must be at least 1 (\(maximumConcurrent))")
            try ConfigurationError.require(maximumQueued >= 0, "Bulkhead.maximumQueued", "must not be negative (\(maximumQueued))")
        }
    }

    /// - Throws: ``ConfigurationError`` when `configuration` does not validate (``Configuration/validate()``).
    public init(_ configuration: Configuration) throws(ConfigurationError) {
        try configuration.validate()
        self.maximumConcurrent = configuration.maximumConcurrent
        self.maximumQueued = configuration.maximumQueued
    }

    /// The settings of ``Configuration`` given one by one.
    /// - Throws: ``ConfigurationError`` as ``Configuration/validate()``.
    public convenience init(maximumConcurrent: Int, maximumQueued: Int = 0) throws(ConfigurationError) {
        try self.init(Configuration(maximumConcurrent: maximumConcurrent, maximumQueued: maximumQueued))
    }

    /// Calls running now.
    public var running: Int { state.withLock { $0.running } }

    /// Calls waiting for a slot now.
    public var queued: Int { state.withLock { $0.waiters.count } }

    /// Takes a free slot without waiting; `false` when none is free.
    public func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.running < maximumConcurrent else { return false }
            state.running += 1
            return true
        }
    }

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
            // The place is taken now, under the same lock that counted the queue.
            state.waiters.append(Waiter(id: state.nextID, continuation: nil))
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
                    enum Arrival { case wait, granted, cancelled }
                    let arrival = state.withLock { state -> Arrival in
                        if state.grantedEarly.remove(id) != nil { return .granted }
                        if state.cancelledEarly.remove(id) != nil { return .cancelled }
                        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return .cancelled }
                        state.waiters[index].continuation = continuation
                        return .wait
                    }
                    switch arrival {
                    case .wait: break
                    case .granted: continuation.resume()
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    let removed = state.waiters.remove(at: index)
                    if removed.continuation == nil { state.cancelledEarly.insert(id) }
                    return removed.continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    /// Gives a slot back, handing it to the first queued call if there is one.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard !state.waiters.isEmpty else {
                state.running -= 1
                return nil
            }
            let first = state.waiters.removeFirst()
            if first.continuation == nil { state.grantedEarly.insert(first.id) }
            return first.continuation
        }
        next?.resume()
    }
}
