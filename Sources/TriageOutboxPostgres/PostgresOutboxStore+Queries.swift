import PostgresNIO
import TriageOutbox

extension PostgresOutboxStore {
    public func nextDue(now: OutboxTimestamp) async throws -> OutboxTimestamp? {
        try await first("find the next due message", Int64?.self, """
            SELECT MIN(CASE WHEN state = 0 THEN next_attempt_at ELSE lease_until END) FROM (\(unescaped: PostgresOutboxSchema.heads)) heads
            """) ?? nil
    }

    /// `delivered` counts pruned deliveries too (``pruneDelivered(finishedBefore:)`` adds them to a counter).
    public func stats(now: OutboxTimestamp) async throws -> OutboxStats {
        let counts = try await retrying("count messages") {
            for try await counts in try await self.client.query("""
            SELECT
              (SELECT COUNT(*) FROM outbox_messages WHERE state = 0 OR (state = 1 AND lease_until <= \(now))),
              (SELECT COUNT(*) FROM outbox_messages WHERE state = 1 AND lease_until > \(now)),
              (SELECT COUNT(*) FROM outbox_messages WHERE state = 2)
                + (SELECT value FROM outbox_counters WHERE name = 'delivered_pruned'),
              (SELECT COUNT(*) FROM outbox_messages WHERE state = 3)
            """, logger: self.logger).decode((Int64, Int64, Int64, Int64).self) { return counts }
            return (0, 0, 0, 0)
        }
        return OutboxStats(pending: Int(counts.0), inflight: Int(counts.1), delivered: Int(counts.2), dead: Int(counts.3))
    }

    public func usage() async throws -> OutboxUsage {
        let usage = try await retrying("measure the backlog") {
            for try await usage in try await self.client.query(
                "SELECT COUNT(*), COALESCE(SUM(payload_size), 0)::BIGINT FROM outbox_messages WHERE state < 2", logger: self.logger
            ).decode((Int64, Int64).self) { return usage }
            return (0, 0)
        }
        return OutboxUsage(messages: Int(usage.0), bytes: Int(usage.1))
    }

    public func deadLetters() async throws -> [OutboxDeadLetter] {
        try await retrying("read the dead letters") {
            var letters: [OutboxDeadLetter] = []
            let rows = try await self.client.query("""
                SELECT id, key, seq, idempotency_key, attempts, dead_kind, dead_status, dead_reason
                FROM outbox_messages WHERE state = 3 ORDER BY key, seq
                """, logger: self.logger)
            for try await (id, key, seq, idempotencyKey, attempts, kind, status, reason)
                in rows.decode((String, String, Int64, String, Int64, String?, Int64?, String?).self) {
                letters.append(OutboxDeadLetter(id: id, key: key, seq: seq, idempotencyKey: idempotencyKey, attempts: Int(attempts),
                                                kind: kind ?? "unknown", status: status.map(Int.init), reason: reason ?? ""))
            }
            return letters
        }
    }

    public func attempts(of id: String) async throws -> [OutboxAttempt] {
        try await retrying("read attempts") {
            var attempts: [OutboxAttempt] = []
            let rows = try await self.client.query("""
                SELECT number, at, kind, delivery, status, delay_ms FROM outbox_attempts WHERE message_id = \(id) ORDER BY number
                """, logger: self.logger)
            for try await (number, at, kind, delivery, status, delay)
                in rows.decode((Int64, Int64, String?, String, Int64?, Int64?).self) {
                attempts.append(OutboxAttempt(number: Int(number), at: at, kind: kind, delivery: delivery,
                                              status: status.map(Int.init), delayMilliseconds: delay))
            }
            return attempts
        }
    }

    /// Deletes up to 10,000 delivered messages (and their attempts) that finished before `time`, counting
    /// them in `outbox_counters` so that ``stats(now:)`` still reports every delivery. Returns how many.
    public func pruneDelivered(finishedBefore time: OutboxTimestamp) async throws -> Int {
        Int(try await first("prune delivered messages", Int64.self, """
            WITH gone AS (
                DELETE FROM outbox_messages WHERE id IN (
                    SELECT id FROM outbox_messages WHERE state = 2 AND finished_at < \(time) LIMIT 10000)
                RETURNING id),
            attempts AS (DELETE FROM outbox_attempts WHERE message_id IN (SELECT id FROM gone)),
            counted AS (
                UPDATE outbox_counters SET value = value + (SELECT COUNT(*) FROM gone) WHERE name = 'delivered_pruned')
            SELECT COUNT(*) FROM gone
            """) ?? 0)
    }

    /// The first row of `query` decoded as `T`, `nil` when it returns none; retried after a lost connection.
    func first<T: PostgresDecodable & Sendable>(_ what: String, _ type: T.Type, _ query: PostgresQuery) async throws -> T? {
        try await retrying(what) {
            for try await value in try await self.client.query(query, logger: self.logger).decode(T.self) { return value }
            return nil
        }
    }
}
