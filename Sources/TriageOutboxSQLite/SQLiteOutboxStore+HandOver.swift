import SQLiteNIO
import TriageOutbox

extension SQLiteOutboxStore {
    /// Claims up to `limit` due heads among `keys` (the keys whose messages a transaction just marked
    /// delivered: only they can have a new head), in next-attempt and sequence order.
    ///
    /// Each key's head is one step down the partial index `outbox_active` (key, seq), where the general
    /// claim (``claim(limit:owner:leaseUntil:now:on:)``) passes over the head of every key that ever had a
    /// message: about 0.4 ms a transaction with 64 keys. The same rule decides what is due: a pending head
    /// whose next attempt has come, or a claimed one whose lease has ended. Heads of other keys (new keys,
    /// retries coming due, expired leases) are left to the delivery loop's own claims.
    static func handOver(keys: [String], limit: Int, owner: String, leaseUntil: OutboxTimestamp, now: OutboxTimestamp,
                         on connection: SQLiteConnection) async throws -> [OutboxRecord] {
        var records: [OutboxRecord] = []
        for start in stride(from: 0, to: keys.count, by: rowsPerStatement) where records.count < limit {
            let chunk = keys[start..<min(keys.count, start + rowsPerStatement)]
            // Numbered: a bare `?` would take the number after ?2, the first number it follows.
            let values = (0..<chunk.count).map { "(?\($0 + 5))" }.joined(separator: ", ")
            let rows = try await connection.query("""
                UPDATE outbox_messages SET state = 1, claim = ?1, lease_until = ?2
                WHERE id IN (
                    SELECT m.id FROM (
                        SELECT (SELECT a.id FROM outbox_messages a WHERE a.key = v.column1 AND a.state < 2
                                ORDER BY a.seq LIMIT 1) AS id
                        FROM (VALUES \(values)) AS v) AS h
                    JOIN outbox_messages m ON m.id = h.id
                    WHERE (m.state = 0 AND m.next_attempt_at <= ?3) OR (m.state = 1 AND m.lease_until <= ?3)
                    ORDER BY m.next_attempt_at, m.seq LIMIT ?4)
                RETURNING \(claimedColumns)
                """, [.text(owner), .integer(Int(leaseUntil)), .integer(Int(now)), .integer(limit - records.count)]
                    + chunk.map { .text($0) })
            records += try await Self.records(claimed: rows, owner: owner, on: connection)
        }
        return records
    }
}
