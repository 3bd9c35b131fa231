import NIOCore
import PostgresNIO
import TriageOutbox

// Each update is one statement (the attempt stored by a data-modifying CTE in the same statement), so
// it is atomic without a transaction and safe to repeat after a lost connection: a repeat finds the
// row no longer in the state it requires and changes nothing.
extension PostgresOutboxStore {
    /// Claims up to `limit` due key heads: only each key's lowest `seq` not delivered or dead, locked with
    /// `FOR UPDATE SKIP LOCKED`, so that a head another claimer holds is skipped, never replaced by the
    /// key's next message.
    public func claim(limit: Int, owner: String, leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord] {
        try await retrying("claim messages") {
            let rows = try await self.client.query(
                PostgresOutboxSchema.claim(limit: limit, owner: owner, leaseUntil: leaseUntil, now: now), logger: self.logger)
            var records: [OutboxRecord] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                var payload = try cells["payload"].decode(ByteBuffer.self)
                let names = try cells["header_names"].decode([String].self)
                let values = try cells["header_values"].decode([String].self)
                let id = try cells["id"].decode(String.self)
                records.append(OutboxRecord(
                    id: id, key: try cells["key"].decode(String.self), seq: try cells["seq"].decode(Int64.self),
                    destination: try cells["destination"].decode(String.self),
                    payload: payload.readBytes(length: payload.readableBytes) ?? [],
                    headers: zip(names, values).map { OutboxHeader($0, $1) },
                    idempotencyKey: try cells["idempotency_key"].decode(String.self),
                    createdAt: try cells["created_at"].decode(Int64.self), expiresAt: try cells["expires_at"].decode(Int64?.self),
                    attempts: Int(try cells["attempts"].decode(Int64.self)),
                    consecutiveFailures: Int(try cells["consecutive_failures"].decode(Int64.self)), claim: owner))
            }
            return records.sorted { ($0.key, $0.seq) < ($1.key, $1.seq) }
        }
    }

    @discardableResult
    public func renew(_ ids: [String], claim: String, leaseUntil: OutboxTimestamp) async throws -> [String] {
        try await retrying("renew leases") {
            var renewed: [String] = []
            for try await id in try await self.client.query("""
                UPDATE outbox_messages SET lease_until = GREATEST(lease_until, \(leaseUntil)) WHERE id = ANY(\(ids)) AND claim = \(claim) AND state = 1
                RETURNING id
                """, logger: self.logger).decode(String.self) { renewed.append(id) }
            return renewed
        }
    }

    public func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt) async throws {
        try await execute("mark a message delivered", """
            WITH done AS (
                UPDATE outbox_messages SET state = 2, claim = NULL, lease_until = NULL, payload = ''::bytea,
                       attempts = \(Int64(attempt.number)), consecutive_failures = 0, finished_at = \(attempt.at)
                WHERE id = \(id) AND claim = \(claim) AND state = 1 RETURNING id)
            INSERT INTO outbox_attempts (message_id, number, at, kind, delivery, status, delay_ms)
            SELECT id, \(Int64(attempt.number)), \(attempt.at), \(attempt.kind), \(attempt.delivery),
                   \(attempt.status.map(Int64.init)), \(attempt.delayMilliseconds) FROM done
            ON CONFLICT (message_id, number) DO NOTHING
            """)
    }

    public func reschedule(_ id: String, claim: String, due: OutboxTimestamp, retryAfter: Bool, attempt: OutboxAttempt) async throws {
        try await execute("reschedule a message", """
            WITH done AS (
                UPDATE outbox_messages SET state = 0, claim = NULL, lease_until = NULL, next_attempt_at = \(due),
                       named_delay = \(retryAfter), attempts = \(Int64(attempt.number)),
                       consecutive_failures = consecutive_failures + 1
                WHERE id = \(id) AND claim = \(claim) AND state = 1 RETURNING id)
            INSERT INTO outbox_attempts (message_id, number, at, kind, delivery, status, delay_ms)
            SELECT id, \(Int64(attempt.number)), \(attempt.at), \(attempt.kind), \(attempt.delivery),
                   \(attempt.status.map(Int64.init)), \(attempt.delayMilliseconds) FROM done
            ON CONFLICT (message_id, number) DO NOTHING
            """)
    }

    /// Without an attempt (the message expired unsent) only the message changes; the attempt's number
    /// (`NULL` then) keeps the stored count.
    public func deadLetter(_ id: String, claim: String, kind: String, status: Int?, reason: String, attempt: OutboxAttempt?) async throws {
        let number = attempt.map { Int64($0.number) }
        try await execute("dead-letter a message", """
            WITH done AS (
                UPDATE outbox_messages SET state = 3, claim = NULL, lease_until = NULL, dead_kind = \(kind),
                       dead_status = \(status.map(Int64.init)), dead_reason = \(reason),
                       attempts = COALESCE(\(number), attempts), finished_at = \(attempt?.at ?? 0)
                WHERE id = \(id) AND claim = \(claim) AND state = 1 RETURNING id)
            INSERT INTO outbox_attempts (message_id, number, at, kind, delivery, status, delay_ms)
            SELECT id, \(number), \(attempt?.at), \(attempt?.kind), \(attempt?.delivery),
                   \(attempt?.status.map(Int64.init)), \(attempt?.delayMilliseconds) FROM done WHERE \(number) IS NOT NULL
            ON CONFLICT (message_id, number) DO NOTHING
            """)
    }

    public func release(_ ids: [String], claim: String) async throws {
        try await execute("release claims", """
            WITH released AS (
                UPDATE outbox_messages SET state = 0, claim = NULL, lease_until = NULL
                WHERE id = ANY(\(ids)) AND claim = \(claim) AND state = 1 RETURNING id)
            SELECT pg_notify(\(PostgresOutboxSchema.channel), '') WHERE EXISTS (SELECT 1 FROM released)
            """)
    }

    public func makeBackoffsDue(now: OutboxTimestamp) async throws {
        try await execute("make backoffs due", """
            UPDATE outbox_messages SET next_attempt_at = \(now), consecutive_failures = 0
            WHERE state = 0 AND NOT named_delay AND next_attempt_at > \(now)
            """)
    }

    /// Runs one statement, retried after a lost connection, its rows discarded.
    func execute(_ what: String, _ query: PostgresQuery) async throws {
        try await retrying(what) {
            for try await _ in try await self.client.query(query, logger: self.logger) {}
        }
    }
}
