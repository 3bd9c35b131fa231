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
            var forgotten: HandlerObject?
            while let next = nextChange(of: slot, releasing: &forgotten) {
                await handle(next.change, in: slot, firstSight: next.firstSight, hooks: next.hooks)
            }
            // forget(_:) came during an attempt: what the attempt saved goes now.
            if let forgotten { await drop(forgotten) }
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
    /// per change taken. When none is pending or the task is cancelled, `nil`, and the slot is released
    /// under the same lock (a change submitted after it queues the object again rather than find it
    /// taken); `forgotten` is then the object to drop from the store, if it was forgotten meanwhile.
    private func nextChange(of slot: ObjectSlot, releasing forgotten: inout HandlerObject?) -> Taken? {
        let cancelled = Task.isCancelled
        return state.withLock { state in
            guard !cancelled, let change = slot.pending.take() else {
                forgotten = state.release(slot)
                return nil
            }
            slot.forgotten = false
            defer { slot.seen = true }
            return Taken(change: change, firstSight: !slot.seen, hooks: state.hooks)
        }
    }

    /// The slot no worker took (the runner was cancelled), left as a worker that stops leaves it.
    func release(_ slot: ObjectSlot) async {
        if let forgotten = state.withLock({ $0.release(slot) }) { await drop(forgotten) }
    }
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
