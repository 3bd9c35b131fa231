import Foundation

/// The workers: ``HandlerRunner/run()`` starts one when objects wait and none is on its way to them;
/// each takes waiting objects one at a time and handles an object's changes until none is pending.
extension HandlerRunner {
    /// Waits until a worker is to start (`true`) or ``run()`` is to end (`false`: finished and no
    /// worker alive, or cancelled).
    func nextWorker() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                wakeDispatcher(state.withLock { state in
                    state.workers.dispatcher = continuation
                    return state.workers.dispatch()
                })
            }
        } onCancel: {
            wakeDispatcher(state.withLock { state in
                state.workers.cancelled = true
                return state.workers.dispatch()
            })
        }
    }

    /// Resumes the dispatcher that ``WorkerPool/dispatch()`` handed out (call it outside the lock).
    func wakeDispatcher(_ dispatch: (dispatcher: CheckedContinuation<Bool, Never>, start: Bool)?) {
        dispatch?.dispatcher.resume(returning: dispatch?.start ?? false)
    }

    /// A worker: takes waiting objects one at a time and handles each one's changes, newest first,
    /// until none is pending; ends when no object waits or the task is cancelled.
    func work() async {
        var firstTake = true
        while let slot = takeSlot(firstTake: firstTake) {
            firstTake = false
            var step = nextStep(slot)
            while case .handle(let next) = step {
                await handle(next.change, in: slot, firstSight: next.firstSight, hooks: next.hooks)
                step = nextStep(slot)
            }
            // forget(_:) came during an attempt: what the attempt saved goes now.
            if case .released(let forgotten?) = step { await drop(forgotten) }
        }
    }

    /// A waiting object's slot for a worker; `nil` when the worker is to end.
    private func takeSlot(firstTake: Bool) -> ObjectSlot? {
        let cancelled = Task.isCancelled
        let (slot, dispatch) = state.withLock { state in
            let slot = state.workers.take(firstTake: firstTake, cancelled: cancelled)
            return (slot, state.workers.dispatch())
        }
        wakeDispatcher(dispatch)
        return slot
    }

    /// The object's newest change, with whether it is the object's first sight and the hooks: one lock
    /// per change taken. When none is pending or the task is cancelled, the slot is released under the
    /// same lock: a change submitted after it queues the object again rather than find it taken.
    private func nextStep(_ slot: ObjectSlot) -> SlotStep {
        let cancelled = Task.isCancelled
        return state.withLock { state in
            guard !cancelled, let change = slot.pending.take() else { return .released(forgotten: state.release(slot)) }
            slot.forgotten = false
            defer { slot.seen = true }
            return .handle(Taken(change: change, firstSight: !slot.seen, hooks: state.hooks))
        }
    }

    /// The slot no worker took (the runner was cancelled), left as a worker that stops leaves it.
    func release(_ slot: ObjectSlot) async {
        if let forgotten = state.withLock({ $0.release(slot) }) { await drop(forgotten) }
    }
}

/// What a worker does next with the object it holds.
enum SlotStep {
    /// Handle this change.
    case handle(Taken)
    /// Nothing is pending: the slot is released; drop `forgotten` from the store when it is set.
    case released(forgotten: HandlerObject?)
}

extension RunnerState {
    /// A worker is done with `slot`: it is idle, and dropped when nothing is left of it. Returns the
    /// object to drop from the store when it was forgotten during an attempt.
    mutating func release(_ slot: ObjectSlot) -> HandlerObject? {
        slot.active = false
        slot.forgotten = false
        let forgotten = slot.dropWhenStopped
        slot.dropWhenStopped = nil
        if slot.isEmpty, objects[slot.key] === slot { objects[slot.key] = nil }
        return forgotten
    }
}
