/// Durable storage for an outbox: SQLite (`TriageOutboxSQLite`) or any store that keeps these promises.
///
/// - ``enqueue(_:now:)`` returns only once the messages are committed and synced; one call is one
///   transaction: all of the messages or none.
/// - ``claim(limit:owner:leaseUntil:now:)`` hands out only the head of each key (its lowest `seq` not yet
///   delivered or dead), and only when that head is due and not under a live lease held by someone else.
/// - Updates name the claim they were made under; an update for a claim that was taken over is ignored,
///   a delivered mark too: marking a message delivered makes its key's next message the head, and the
///   claimant that took it over may be sending it still (two of the key's messages would be in flight).
///   That claimant marks it when its own send ends; the message is delivered at least once.
public protocol OutboxStore: Sendable {
    /// Stores `messages` in one transaction; returns their ids in order.
    func enqueue(_ messages: [OutboxMessage], now: OutboxTimestamp) async throws -> [String]
    /// Claims up to `limit` due key heads for `owner` until `leaseUntil`.
    func claim(limit: Int, owner: String, leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord]
    /// Extends the leases of `ids` held under `claim` (in flight, not taken over) to `leaseUntil`; returns
    /// the ids it extended. A lease that lapsed is extended too when nobody took the message over. A lease
    /// is never shortened (its end becomes the later of the two): a renewal answered late, after a newer
    /// one, must not leave the store an end earlier than the one its claimant acts on.
    @discardableResult
    func renew(_ ids: [String], claim: String, leaseUntil: OutboxTimestamp) async throws -> [String]
    /// Marks a message delivered and stores the attempt, unless its claim was taken over.
    func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt) async throws
    /// Marks a message delivered as ``markDelivered(_:claim:attempt:)`` does, then claims up to `limit` due
    /// key heads for `owner` as ``claim(limit:owner:leaseUntil:now:)`` does, so that a delivery hands its
    /// slot to the next message without a claim of its own. A store that can does both in one
    /// transaction, shared with the other deliveries that end meanwhile. The default marks, claims
    /// nothing and returns no record (the delivery loop's next round claims).
    func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt, thenClaim limit: Int, owner: String,
                       leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord]
    /// Returns a message to pending, due at `due`, and stores the attempt. `retryAfter`: the wait was named by
    /// the receiver (Retry-After) and a reconnect does not cut it short.
    func reschedule(_ id: String, claim: String, due: OutboxTimestamp, retryAfter: Bool, attempt: OutboxAttempt) async throws
    /// Moves a message to the dead letters with its failure (and the attempt, when there was one).
    func deadLetter(_ id: String, claim: String, kind: String, status: Int?, reason: String, attempt: OutboxAttempt?) async throws
    /// Returns claimed messages to pending at once, as they were (graceful shutdown).
    func release(_ ids: [String], claim: String) async throws
    /// Makes every pending message that waits on a backoff due at `now`, its backoff reset (the receiver is
    /// reachable again). Waits the receiver named are kept.
    func makeBackoffsDue(now: OutboxTimestamp) async throws
    /// The earliest time a pending message becomes due, if any is pending.
    func nextDue(now: OutboxTimestamp) async throws -> OutboxTimestamp?
    func stats(now: OutboxTimestamp) async throws -> OutboxStats
    func usage() async throws -> OutboxUsage
    func deadLetters() async throws -> [OutboxDeadLetter]
    /// The stored attempts of a message, oldest first.
    func attempts(of id: String) async throws -> [OutboxAttempt]
    /// Deletes delivered messages (and their attempts) that finished before `time`; they stay counted as
    /// delivered in ``stats(now:)``. Returns how many were deleted.
    func pruneDelivered(finishedBefore time: OutboxTimestamp) async throws -> Int
    /// Yields when another process may have made a message due (it enqueued or released one), so that the
    /// delivery loop looks at once instead of at its next poll. The default: a stream that ends at once
    /// (the store cannot tell; the loop polls every ``OutboxConfiguration/pollInterval``).
    func wakeups() -> AsyncStream<Void>
}

extension OutboxStore {
    public func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt, thenClaim limit: Int, owner: String,
                              leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord] {
        try await markDelivered(id, claim: claim, attempt: attempt)
        return []
    }

    public func wakeups() -> AsyncStream<Void> { AsyncStream { $0.finish() } }
}
