import SQLiteNIO
import TriageOutbox

extension SQLiteOutboxStore {
    public func nextDue(now: OutboxTimestamp) async throws -> OutboxTimestamp? {
        try await lock.withLock {
            let rows = try await connection.query("""
                SELECT MIN(CASE WHEN state = 0 THEN next_attempt_at ELSE lease_until END) AS due
                FROM (\(SQLiteOutboxSchema.heads))
                """)
            return rows.first?.column("due")?.integer.map(Int64.init)
        }
    }

    public func stats(now: OutboxTimestamp) async throws -> OutboxStats {
        try await lock.withLock {
            let rows = try await connection.query("""
                SELECT
                  (SELECT COUNT(*) FROM outbox_messages WHERE state = 0)
                    + (SELECT COUNT(*) FROM outbox_messages WHERE state = 1 AND lease_until <= ?1) AS pending,
                  (SELECT COUNT(*) FROM outbox_messages WHERE state = 1 AND lease_until > ?1) AS inflight,
                  (SELECT COUNT(*) FROM outbox_messages WHERE state = 2)
                    + (SELECT value FROM outbox_counters WHERE name = 'delivered_pruned') AS delivered,
                  (SELECT COUNT(*) FROM outbox_messages WHERE state = 3) AS dead
                """, [.integer(Int(now))])
            let row = rows.first
            return OutboxStats(pending: row?.column("pending")?.integer ?? 0, inflight: row?.column("inflight")?.integer ?? 0,
                               delivered: row?.column("delivered")?.integer ?? 0, dead: row?.column("dead")?.integer ?? 0)
        }
    }

    public func usage() async throws -> OutboxUsage {
        try await lock.withLock {
            let row = try await connection.query(
                "SELECT COUNT(*) AS messages, TOTAL(payload_size) AS bytes FROM outbox_messages WHERE state < 2").first
            return OutboxUsage(messages: row?.column("messages")?.integer ?? 0, bytes: Int(row?.column("bytes")?.double ?? 0))
        }
    }

    /// Deletes delivered messages that finished before `time` with their headers and attempts, and adds
    /// them to the `delivered_pruned` counter, in one transaction.
    public func pruneDelivered(finishedBefore time: OutboxTimestamp) async throws -> Int {
        try await write { connection in
            let old = "SELECT id FROM outbox_messages WHERE state = 2 AND finished_at < ?1"
            _ = try await connection.query("DELETE FROM outbox_attempts WHERE message_id IN (\(old))", [.integer(Int(time))])
            _ = try await connection.query("DELETE FROM outbox_headers WHERE message_id IN (\(old))", [.integer(Int(time))])
            let pruned = try await connection.query(
                "DELETE FROM outbox_messages WHERE state = 2 AND finished_at < ?1 RETURNING id", [.integer(Int(time))]).count
            _ = try await connection.query(
                "UPDATE outbox_counters SET value = value + ?1 WHERE name = 'delivered_pruned'", [.integer(pruned)])
            return pruned
        }
    }

    public func deadLetters() async throws -> [OutboxDeadLetter] {
        try await lock.withLock {
            try await connection.query("""
                SELECT id, key, seq, idempotency_key, attempts, dead_kind, dead_status, dead_reason
                FROM outbox_messages WHERE state = 3 ORDER BY key, seq
                """).map { row in
                OutboxDeadLetter(
                    id: row.column("id")?.string ?? "", key: row.column("key")?.string ?? "",
                    seq: Int64(row.column("seq")?.integer ?? 0), idempotencyKey: row.column("idempotency_key")?.string ?? "",
                    attempts: row.column("attempts")?.integer ?? 0, kind: row.column("dead_kind")?.string ?? "unknown",
                    status: row.column("dead_status")?.integer, reason: row.column("dead_reason")?.string ?? "")
            }
        }
    }

    public func attempts(of id: String) async throws -> [OutboxAttempt] {
        try await lock.withLock {
            try await connection.query(
                "SELECT number, at, kind, delivery, status, delay_ms FROM outbox_attempts WHERE message_id = ?1 ORDER BY number",
                [.text(id)]
            ).map { row in
                OutboxAttempt(number: row.column("number")?.integer ?? 0, at: Int64(row.column("at")?.integer ?? 0),
                              kind: row.column("kind")?.string, delivery: row.column("delivery")?.string ?? "",
                              status: row.column("status")?.integer, delayMilliseconds: row.column("delay_ms")?.integer.map(Int64.init))
            }
        }
    }

    /// Returns to pending every claim of a delivering process that is no longer running, at once (not when
    /// its lease ends), and registers this process as a delivering one until ``close()``.
    ///
    /// Delivering processes hold a shared `flock` on `<path>-runners.lock`; the kernel drops it when a
    /// process dies, even by SIGKILL. When this process gets the lock exclusively, nobody else delivers
    /// from the file, so every claim in it belongs to a dead process. Otherwise leases decide.
    ///
    /// - Returns: how many claims were returned.
    public func reclaimClaimsOfDeadRunners() async throws -> Int {
        let runner = try RunnerLock(path: path + "-runners.lock")
        var reclaimed = 0
        if runner.tryExclusive() {
            reclaimed = try await write { connection in
                try await connection.query(
                    "UPDATE outbox_messages SET state = 0, claim = NULL, lease_until = NULL WHERE state = 1 RETURNING id").count
            }
        }
        try await runner.share()
        runnerLock.withLock { $0?.release(); $0 = runner }
        return reclaimed
    }
}
