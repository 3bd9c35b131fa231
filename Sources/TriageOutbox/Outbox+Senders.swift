import Logging
import Triage

extension Outbox {
    /// The most messages claimed at once: four times ``OutboxConfiguration/concurrency``, so that while
    /// one transaction stores the outcomes of a round of sends, the senders have the next round waiting.
    var claimBound: Int { 4 * configuration.concurrency }

    /// Starts a sender for each claimed message waiting, while fewer than the concurrency run.
    func startSenders(transport: some OutboxTransport, group: inout ThrowingDiscardingTaskGroup<any Error>) {
        let starting = state.withLock { state -> [OutboxRecord] in
            var starting: [OutboxRecord] = []
            while state.senders < configuration.concurrency, !state.ready.isEmpty {
                starting.append(state.ready.removeFirst())
                state.senders += 1
            }
            return starting
        }
        for record in starting { group.addTask { await self.send(from: record, through: transport) } }
    }

    /// Sends `record`, then each claimed message waiting, one at a time, until none waits or the run
    /// stops. Each outcome is stored by a task of its own, so that the next send does not wait for the
    /// store's commit; the send itself stays in this task (a task per send, waited on, was a
    /// continuation and a thread hop more per message).
    private func send(from record: OutboxRecord, through transport: some OutboxTransport) async {
        await withDiscardingTaskGroup { deliveries in
            var current: OutboxRecord? = record
            while let delivering = current {
                let outcome = await attempt(delivering, through: transport)
                deliveries.addTask {
                    let next = await self.storeOutcome(outcome, of: delivering)
                    await self.settled(delivering, handingOver: next)
                }
                current = state.withLock { state -> OutboxRecord? in
                    if state.stopRequested || Task.isCancelled || state.ready.isEmpty {
                        state.senders -= 1
                        return nil
                    }
                    return state.ready.removeFirst()
                }
            }
            wakeup.signal()
        }
    }

    /// `record`'s outcome is stored: it leaves the claimed messages, and `next`, claimed with its
    /// delivered mark, waits for a sender (or is released when the run stops).
    private func settled(_ record: OutboxRecord, handingOver next: HandedOver?) async {
        let release = state.withLock { state -> Bool in
            state.leases[record.id] = nil
            guard let next else { return false }
            if state.stopRequested || Task.isCancelled { return true }
            state.leases[next.record.id] = next.leaseUntil
            state.ready.append(next.record)
            return false
        }
        if release, let next { await releaseClaims([next.record]) }
        wakeup.signal()
    }

    /// Returns to pending the claimed messages no sender took (the run stops).
    func releaseWaiting() async {
        let waiting = state.withLock { state -> [OutboxRecord] in
            defer { state.ready = [] }
            for record in state.ready { state.leases[record.id] = nil }
            return state.ready
        }
        await releaseClaims(waiting)
    }

    private func releaseClaims(_ records: [OutboxRecord]) async {
        guard !records.isEmpty else { return }
        do {
            try await store.release(records.map(\.id), claim: owner)
        } catch {
            logger.warning("outbox could not release claims; their leases will return them",
                           metadata: ["triage.outbox.count": "\(records.count)", "triage.error": "\(error)"])
        }
    }
}
