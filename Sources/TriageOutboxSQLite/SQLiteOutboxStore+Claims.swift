import NIOCore
import SQLiteNIO
import TriageOutbox

extension SQLiteOutboxStore {
    public func claim(limit: Int, owner: String, leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord] {
        try await write(durable: false) { connection in
            try await Self.claim(limit: limit, owner: owner, leaseUntil: leaseUntil, now: now, on: connection)
        }
    }

    /// Claims up to `limit` due key heads in one statement, their headers read in one more.
    static func claim(limit: Int, owner: String, leaseUntil: OutboxTimestamp, now: OutboxTimestamp,
                      on connection: SQLiteConnection) async throws -> [OutboxRecord] {
        let rows = try await connection.query("""
            UPDATE outbox_messages SET state = 1, claim = ?1, lease_until = ?2
            WHERE id IN (
                SELECT id FROM (\(SQLiteOutboxSchema.heads))
                WHERE (state = 0 AND next_attempt_at <= ?3) OR (state = 1 AND lease_until <= ?3)
                ORDER BY next_attempt_at, seq LIMIT ?4)
            RETURNING id, key, seq, destination, payload, idempotency_key, header_count, created_at, expires_at,
                      attempts, consecutive_failures
            """, [.text(owner), .integer(Int(leaseUntil)), .integer(Int(now)), .integer(limit)])
        let withHeaders = rows.filter { ($0.column("header_count")?.integer ?? 0) > 0 }.compactMap { $0.column("id")?.string }
        let headers = try await Self.headers(of: withHeaders, on: connection)
        var records: [OutboxRecord] = []
        for row in rows {
            let id = row.column("id")?.string ?? ""
            var payload = row.column("payload")?.blob ?? ByteBuffer()
            records.append(OutboxRecord(
                id: id, key: row.column("key")?.string ?? "", seq: Int64(row.column("seq")?.integer ?? 0),
                destination: row.column("destination")?.string ?? "",
                payload: payload.readBytes(length: payload.readableBytes) ?? [], headers: headers[id] ?? [],
                idempotencyKey: row.column("idempotency_key")?.string ?? id,
                createdAt: Int64(row.column("created_at")?.integer ?? 0),
                expiresAt: row.column("expires_at")?.integer.map(Int64.init),
                attempts: row.column("attempts")?.integer ?? 0,
                consecutiveFailures: row.column("consecutive_failures")?.integer ?? 0, claim: owner))
        }
        return records.sorted { ($0.key, $0.seq) < ($1.key, $1.seq) }
    }

    /// The headers of `ids`, in their order, in one query per chunk of ids.
    private static func headers(of ids: [String], on connection: SQLiteConnection) async throws -> [String: [OutboxHeader]] {
        var headers: [String: [OutboxHeader]] = [:]
        for start in stride(from: 0, to: ids.count, by: rowsPerStatement) {
            let chunk = ids[start..<min(ids.count, start + rowsPerStatement)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try await connection.query(
                "SELECT message_id, name, value FROM outbox_headers WHERE message_id IN (\(marks)) ORDER BY message_id, position",
                chunk.map { .text($0) })
            for row in rows {
                headers[row.column("message_id")?.string ?? "", default: []]
                    .append(OutboxHeader(row.column("name")?.string ?? "", row.column("value")?.string ?? ""))
            }
        }
        return headers
    }

    @discardableResult
    public func renew(_ ids: [String], claim: String, leaseUntil: OutboxTimestamp) async throws -> [String] {
        try await write { connection in
            var renewed: [String] = []
            for start in stride(from: 0, to: ids.count, by: Self.rowsPerStatement) {
                let chunk = ids[start..<min(ids.count, start + Self.rowsPerStatement)]
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let rows = try await connection.query("""
                    UPDATE outbox_messages SET lease_until = MAX(lease_until, ?1)
                    WHERE claim = ?2 AND state = 1 AND id IN (\(marks)) RETURNING id
                    """, [.integer(Int(leaseUntil)), .text(claim)] + chunk.map { .text($0) })
                renewed += rows.compactMap { $0.column("id")?.string }
            }
            return renewed
        }
    }

    public func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt) async throws {
        try await submit(.delivered(DeliveredMark(id: id, claim: claim, attempt: attempt, next: nil)))
    }

    public func reschedule(_ id: String, claim: String, due: OutboxTimestamp, retryAfter: Bool, attempt: OutboxAttempt) async throws {
        try await write { connection in
            let rows = try await connection.query("""
                UPDATE outbox_messages SET state = 0, claim = NULL, lease_until = NULL, next_attempt_at = ?1, named_delay = ?2,
                       attempts = ?3, consecutive_failures = consecutive_failures + 1
                WHERE id = ?4 AND claim = ?5 AND state = 1 RETURNING id
                """, [.integer(Int(due)), .integer(retryAfter ? 1 : 0), .integer(attempt.number), .text(id), .text(claim)])
            if !rows.isEmpty { try await Self.store(attempt, of: id, on: connection) }
        }
    }

    public func deadLetter(_ id: String, claim: String, kind: String, status: Int?, reason: String, attempt: OutboxAttempt?) async throws {
        try await write { connection in
            let rows = try await connection.query("""
                UPDATE outbox_messages SET state = 3, claim = NULL, lease_until = NULL, dead_kind = ?1, dead_status = ?2,
                       dead_reason = ?3, attempts = COALESCE(?4, attempts), finished_at = ?5
                WHERE id = ?6 AND claim = ?7 AND state = 1 RETURNING id
                """, [.text(kind), status.map { .integer($0) } ?? .null, .text(reason),
                      attempt.map { .integer($0.number) } ?? .null, .integer(Int(attempt?.at ?? 0)), .text(id), .text(claim)])
            if !rows.isEmpty, let attempt { try await Self.store(attempt, of: id, on: connection) }
        }
    }

    public func release(_ ids: [String], claim: String) async throws {
        try await write { connection in
            for id in ids {
                _ = try await connection.query(
                    "UPDATE outbox_messages SET state = 0, claim = NULL, lease_until = NULL WHERE id = ?1 AND claim = ?2 AND state = 1",
                    [.text(id), .text(claim)])
            }
        }
    }

    public func makeBackoffsDue(now: OutboxTimestamp) async throws {
        try await write { connection in
            _ = try await connection.query("""
                UPDATE outbox_messages SET next_attempt_at = ?1, consecutive_failures = 0
                WHERE state = 0 AND named_delay = 0 AND next_attempt_at > ?1
                """, [.integer(Int(now))])
        }
    }

    static func store(_ attempt: OutboxAttempt, of id: String, on connection: SQLiteConnection) async throws {
        try await insertAttempts(attemptRow(attempt, of: id), on: connection)
    }

    /// `attempt`'s row of `outbox_attempts`, in ``insertAttempts(_:on:)``'s column order.
    static func attemptRow(_ attempt: OutboxAttempt, of id: String) -> [SQLiteData] {
        [.text(id), .integer(attempt.number), .integer(Int(attempt.at)), attempt.kind.map { .text($0) } ?? .null,
         .text(attempt.delivery), attempt.status.map { .integer($0) } ?? .null,
         attempt.delayMilliseconds.map { .integer(Int($0)) } ?? .null]
    }

    /// Stores attempts' rows (``attemptRow(_:of:)`` each, concatenated), many to a statement.
    static func insertAttempts(_ rows: [SQLiteData], on connection: SQLiteConnection) async throws {
        try await insertRows(rows, columns: 7, on: connection) {
            "INSERT OR REPLACE INTO outbox_attempts (message_id, number, at, kind, delivery, status, delay_ms) VALUES \($0)"
        }
    }
}
