import Logging
import Triage

extension Outbox {
    /// Delivers messages until ``stop()`` is called or the task is cancelled, or, with `untilEmpty`, until
    /// the store has nothing pending or in flight.
    ///
    /// Up to ``OutboxConfiguration/concurrency`` senders each send one claimed message at a time; a
    /// message's outcome is stored in a task of its own while its sender goes on with the next claimed
    /// one, so a send does not wait for the store's commit (the key's next message is not claimed before
    /// that commit: it is not the key's head until then). Each round claims due key heads for the
    /// senders that would be idle; a store that can hands over more with each delivered mark
    /// (``OutboxStore/markDelivered(_:claim:attempt:thenClaim:owner:leaseUntil:now:)``), up to four times
    /// the concurrency claimed at once. The loop sleeps until a message is enqueued here, the store
    /// reports one enqueued elsewhere (``OutboxStore/wakeups()``), a delivery ends, the link comes back,
    /// the next message is due, or ``OutboxConfiguration/pollInterval`` passes. Delivered messages older
    /// than ``OutboxConfiguration/deliveredRetention`` are pruned.
    ///
    /// - Throws: the store's error when it cannot claim; ``OutboxError`` for a bad configuration.
    public func run(transport: some OutboxTransport, untilEmpty: Bool = false) async throws {
        try configuration.validate()
        // A stop asked before this run began (a SIGTERM while the store opened) holds; it is cleared when
        // the run ends, so a later run starts afresh.
        defer { state.withLock { $0.stopRequested = false } }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.renewLeases() }
            group.addTask { await self.follow(transport.connectionEvents) }
            group.addTask { await self.followStore() }
            group.addTask { await self.pruneDelivered() }
            try await self.claimLoop(transport: transport, untilEmpty: untilEmpty, group: &group)
            await self.releaseWaiting()
            await self.drainInflight()
            group.cancelAll()
        }
    }

    private func claimLoop(transport: some OutboxTransport, untilEmpty: Bool,
                           group: inout ThrowingDiscardingTaskGroup<any Error>) async throws {
        let leaseMilliseconds = configuration.lease.outboxMilliseconds
        let poll = configuration.pollInterval.outboxMilliseconds
        while !Task.isCancelled, !state.withLock({ $0.stopRequested }) {
            startSenders(transport: transport, group: &group)
            // Claims for the senders that would be idle, within the bound of claimed messages: more
            // waiting messages come with delivered marks (where the store hands them over), never a
            // hoard that other delivering processes could have sent.
            let room = state.withLock { state in
                min(configuration.concurrency - state.senders - state.ready.count, claimBound - state.leases.count)
            }
            // Every wait below ends at a time computed from this reading, so time that passes while the
            // loop works shortens the wait instead of being missed.
            let now = clock.now()
            var claimed: [OutboxRecord] = []
            if room > 0 {
                claimed = try await store.claim(limit: room, owner: owner, leaseUntil: now + leaseMilliseconds, now: now)
            }
            if !claimed.isEmpty {
                state.withLock { state in
                    for record in claimed {
                        // Every claim of this process carries one token, so a lease of its own that
                        // lapsed while the message waited or was being sent is claimed again here: only
                        // its lease end moves. A second copy would send it twice at once and, marked
                        // delivered by the first, let the key's next message start beside it.
                        let held = state.leases[record.id] != nil
                        state.leases[record.id] = now + leaseMilliseconds
                        if !held { state.ready.append(record) }
                    }
                }
                continue
            }
            var wakeAt = now + poll
            if room > 0 {
                if untilEmpty, state.withLock({ $0.leases.isEmpty }) {
                    let stats = try await store.stats(now: clock.now())
                    if stats.pending == 0, stats.inflight == 0 { return }
                }
                if let due = try await store.nextDue(now: now) { wakeAt = min(wakeAt, max(due, now + 1)) }
            }
            await wakeup.wait(until: wakeAt, clock: clock)
        }
    }

    /// Waits for the messages in flight to finish, for up to ``OutboxConfiguration/shutdownGrace``; the
    /// caller then cancels what is left, which releases its claims.
    private func drainInflight() async {
        let deadline = clock.now() + configuration.shutdownGrace.outboxMilliseconds
        while !state.withLock({ $0.leases.isEmpty }), clock.now() < deadline, !Task.isCancelled {
            await wakeup.wait(until: clock.now() + 50, clock: clock)
        }
    }

    /// Renews the leases of the messages in flight every third of the lease, until cancelled.
    private func renewLeases() async {
        let lease = configuration.lease
        while !Task.isCancelled {
            do { try await clock.sleep(lease / 3) } catch { return }
            let ids = Array(state.withLock { $0.leases.keys })
            guard !ids.isEmpty else { continue }
            do {
                try await renew(ids)
            } catch {
                logger.warning("outbox lease renewal failed", metadata: ["triage.error": "\(error)"])
            }
        }
    }

    /// Renews the leases of `ids` until now plus ``OutboxConfiguration/lease`` and records the new ends of
    /// those the store extended; the others were taken over, and no send of them starts.
    func renew(_ ids: [String]) async throws {
        let leaseUntil = clock.now() + configuration.lease.outboxMilliseconds
        let renewed = Set(try await store.renew(ids, claim: owner, leaseUntil: leaseUntil))
        state.withLock { state in
            for id in ids where state.leases[id] != nil {
                state.leases[id] = renewed.contains(id) ? max(state.leases[id]!, leaseUntil) : .min
            }
        }
    }

    /// Looks for due messages at once whenever the store says another process may have made one due.
    private func followStore() async {
        for await _ in store.wakeups() { wakeup.signal() }
    }

    /// Deletes delivered messages older than ``OutboxConfiguration/deliveredRetention``, now and then
    /// every minute, until cancelled.
    private func pruneDelivered() async {
        let retention = configuration.deliveredRetention.outboxMilliseconds
        while !Task.isCancelled {
            do {
                let pruned = try await store.pruneDelivered(finishedBefore: clock.now() - retention)
                if pruned > 0 { logger.debug("outbox pruned delivered messages", metadata: ["triage.outbox.pruned": "\(pruned)"]) }
            } catch {
                logger.warning("outbox could not prune delivered messages", metadata: ["triage.error": "\(error)"])
            }
            do { try await clock.sleep(.seconds(60)) } catch { return }
        }
    }

    /// Makes backoffs due at once whenever the transport reports it is connected again.
    private func follow(_ events: AsyncStream<OutboxConnectionEvent>) async {
        for await event in events {
            switch event {
            case .connected: await linkIsBack()
            case .disconnected: state.withLock { $0.unreachable = true }
            }
        }
    }

    /// The receiver can be reached again: every message waiting on a backoff is due now.
    func linkIsBack() async {
        state.withLock {
            $0.unreachable = false
            $0.linkGeneration += 1
        }
        do {
            try await store.makeBackoffsDue(now: clock.now())
            logger.debug("outbox link back, backoffs due now")
        } catch {
            logger.warning("outbox could not make backoffs due", metadata: ["triage.error": "\(error)"])
        }
        wakeup.signal()
    }
}
