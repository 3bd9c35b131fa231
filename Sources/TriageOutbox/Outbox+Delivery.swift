import Logging
import Triage

extension Outbox {
    /// What one attempt at a claimed message came to, for ``storeOutcome(_:of:)``.
    enum AttemptOutcome: Sendable {
        /// Past its maximum age: not sent.
        case expired
        /// Its lease could not be confirmed for long enough (taken over, or the store did not answer): not
        /// sent, its store row left to the lease.
        case lapsed
        case delivered
        /// `generation` is the link generation read before the send.
        case failed(Failure, generation: Int)
    }

    /// A message claimed with a delivered mark, and the end of the lease it was claimed until.
    struct HandedOver: Sendable {
        var record: OutboxRecord
        var leaseUntil: OutboxTimestamp
    }

    /// One attempt at one claimed message: sends it unless it has expired or its lease is not held for
    /// long enough, and classifies the failure.
    func attempt(_ record: OutboxRecord, through transport: some OutboxTransport) async -> AttemptOutcome {
        if let expiresAt = record.expiresAt, clock.now() >= expiresAt { return .expired }
        configuration.faultPoint?(.afterClaim)
        guard await holdsLease(record) else { return .lapsed }
        let generation = state.withLock { $0.linkGeneration }
        do {
            try await transport.send(record)
            return .delivered
        } catch {
            return .failed(configuration.classifier.classify(error), generation: generation)
        }
    }

    /// Whether a send of `record` may start: at least a third of ``OutboxConfiguration/lease`` is left of
    /// its lease as the store confirmed it, after a renewal when less was.
    ///
    /// Once a lease lapses, another process may claim the message and send it; one that is still sent from
    /// here then arrives beside it, and its delivered mark would let the key's next message go while the
    /// other send is under way. Leases lapse unseen when the store answers late: a claim or renewal that
    /// waited on a lost connection returns with a lease that ended meanwhile. The third left is the time
    /// a send may take before the next renewal (``OutboxConfiguration/lease``, renewed every third).
    private func holdsLease(_ record: OutboxRecord) async -> Bool {
        let margin = (configuration.lease / 3).outboxMilliseconds
        if let end = state.withLock({ $0.leases[record.id] }), clock.now() + margin < end { return true }
        do {
            try await renew([record.id])
        } catch {
            logger.debug("outbox could not renew a lease before sending", metadata: ["triage.error": "\(error)"])
            return false
        }
        guard let end = state.withLock({ $0.leases[record.id] }) else { return false }
        return clock.now() + margin < end
    }

    /// Tells the store what ``attempt(_:through:)`` came to; returns the message the store claimed with
    /// the delivered mark, if it did.
    ///
    /// A store error is logged and left to the lease: the message comes back when the lease ends (at
    /// least once, never lost).
    func storeOutcome(_ outcome: AttemptOutcome, of record: OutboxRecord) async -> HandedOver? {
        let number = record.attempts + 1
        let failure: Failure
        let generation: Int
        switch outcome {
        case .expired:
            await settle(record) {
                try await self.store.deadLetter(record.id, claim: record.claim, kind: FailureKind.messageExpired.id, status: nil,
                                                reason: "expired before delivery, after \(record.attempts) attempts", attempt: nil)
            }
            return nil
        case .lapsed:
            // Another process took the message over, or the store could not confirm the lease: the
            // message is sent by its taker or when this lease ends, but a process that sees this often
            // has a store that answers slower than a third of the lease.
            logger.warning("outbox lease not held, message left unsent", metadata: ["triage.outbox.id": "\(record.id)"])
            return nil
        case .delivered:
            configuration.faultPoint?(.afterSend)
            let attempt = OutboxAttempt(number: number, at: clock.now(), kind: nil, delivery: Delivery.processed.id, status: nil,
                                        delayMilliseconds: nil)
            configuration.faultPoint?(.beforeMarkDelivered)
            let handOver = !Task.isCancelled && state.withLock { !$0.stopRequested && $0.leases.count <= claimBound }
            var next: HandedOver?
            await settle(record) {
                let now = clock.now()
                let leaseUntil = now + configuration.lease.outboxMilliseconds
                next = try await self.store.markDelivered(record.id, claim: record.claim, attempt: attempt, thenClaim: handOver ? 1 : 0,
                                                          owner: owner, leaseUntil: leaseUntil, now: now)
                    .first.map { HandedOver(record: $0, leaseUntil: leaseUntil) }
            }
            if state.withLock({ $0.unreachable }) { await linkIsBack() }
            return next
        case .failed(let classified, generation: let before):
            failure = classified
            generation = before
        }
        if Task.isCancelled {
            await settle(record) { try await self.store.release([record.id], claim: record.claim) }
            return nil
        }
        if failure.status == nil, failure.decision.isRetryable { state.withLock { $0.unreachable = true } }
        var generator = random.generator
        let after = clock.now()
        let action = configuration.retry.action(after: failure, consecutiveFailures: record.consecutiveFailures + 1, now: after,
                                                expiresAt: record.expiresAt, using: &generator)
        logger.debug("outbox attempt failed", metadata: [
            "triage.outbox.id": "\(record.id)", "triage.kind": "\(failure.kind.id)", "triage.attempt": "\(number)",
        ])
        switch action {
        case .retry(let delay, let named):
            let attempt = OutboxAttempt(number: number, at: after, kind: failure.kind.id, delivery: failure.delivery.id,
                                        status: failure.status, delayMilliseconds: delay.outboxMilliseconds)
            await settle(record) {
                try await self.store.reschedule(record.id, claim: record.claim, due: after + delay.outboxMilliseconds,
                                                retryAfter: named, attempt: attempt)
            }
            // The link came back while this attempt failed: its "due now" may have run before this
            // backoff was stored.
            if !named, state.withLock({ $0.linkGeneration }) != generation { await linkIsBack() }
        case .deadLetter(let kind):
            let attempt = OutboxAttempt(number: number, at: after, kind: failure.kind.id, delivery: failure.delivery.id,
                                        status: failure.status, delayMilliseconds: nil)
            let reason = kind == failure.kind ? failure.explanation : "\(kind.summary) after \(failure.explanation)"
            await settle(record) {
                try await self.store.deadLetter(record.id, claim: record.claim, kind: kind.id, status: failure.status,
                                                reason: reason, attempt: attempt)
            }
        }
        return nil
    }

    /// Runs one store update for `record`, logging (not throwing) its failure.
    private func settle(_ record: OutboxRecord, _ update: () async throws -> Void) async {
        do {
            try await update()
        } catch {
            logger.warning("outbox store update failed; the lease will return the message",
                           metadata: ["triage.outbox.id": "\(record.id)", "triage.error": "\(error)"])
        }
    }
}
