import Foundation

/// How a change in hand meets the changes submitted since: superseded, replaced by a newer state of the
/// same content, or waited for.
extension HandlerRunner {
    /// `true` when a change with another digest waits for this object (it wins over the one being
    /// handled), or the object was forgotten.
    func supersedes(_ change: HandlerChange) -> Bool {
        state.withLock { $0.objects[change.object.runnerKey]?.supersedes(change) ?? false }
    }

    /// ``supersedes(_:)`` for the worker that holds the object's slot.
    func supersedes(_ change: HandlerChange, in slot: ObjectSlot) -> Bool {
        state.withLock { _ in slot.supersedes(change) }
    }

    /// Brings `change` to the state the next pass runs: a pending change with the same digest is taken
    /// (its state is newer). `false` when the change is superseded (see ``supersedes(_:)``).
    func takeNewest(_ change: inout HandlerChange, in slot: ObjectSlot) -> Bool {
        state.withLock { _ in
            if slot.forgotten { return false }
            guard let newer = slot.pending else { return true }
            // Another content, or another object under the same name (deleted and created again).
            guard newer.digest == change.digest, newer.object.uid == change.object.uid else { return false }
            slot.pending = nil
            change.object = newer.object
            change.body = newer.body
            return true
        }
    }

    /// Sleeps `duration` on the clock, or less when a change with another digest arrives.
    func wait(_ duration: Duration, for change: HandlerChange) async {
        let key = change.object.runnerKey
        let slot = state.withLock { $0.slot(for: key) }
        await wait(duration, for: change, in: slot)
    }

    /// ``wait(_:for:)`` for the worker that holds the object's slot.
    func wait(_ duration: Duration, for change: HandlerChange, in slot: ObjectSlot) async {
        let clock = self.clock
        let task: Task<Void, any Error>? = state.withLock { _ in
            // Checked under the lock that submit() takes: a change that came in before the wait is
            // registered cuts it short too.
            if slot.supersedes(change) { return nil }
            let task = Task { try await clock.sleep(for: duration) }
            slot.wait = (change.digest, change.object.uid, task)
            return task
        }
        guard let task else { return }
        await withTaskCancellationHandler {
            _ = try? await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { _ in
            if slot.wait?.task == task { slot.wait = nil }
        }
    }
}
