import NIOCore
import SQLiteNIO
import TriageOutbox

extension SQLiteOutboxStore {
    public func enqueue(_ messages: [OutboxMessage], now: OutboxTimestamp) async throws -> [String] {
        let ids = messages.map { _ in OutboxIdentifier.make() }
        try await write { connection in
            for (id, message) in zip(ids, messages) {
                try await Self.insert(message, id: id, now: now, on: connection)
            }
        }
        return ids
    }

    /// Takes the key's next sequence number from its counter row and inserts the message.
    static func insert(_ message: OutboxMessage, id: String, now: OutboxTimestamp, on connection: SQLiteConnection) async throws {
        let rows = try await connection.query("""
            INSERT INTO outbox_keys (key, last_seq) VALUES (?1, 1)
            ON CONFLICT (key) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq
            """, [.text(message.key)])
        guard let seq = rows.first?.column("last_seq")?.integer else {
            throw OutboxError(.storeUnavailable, "no sequence number for the key")
        }
        let expiresAt: SQLiteData = message.maximumAge.map { .integer(Int(now + $0.outboxMilliseconds)) } ?? .null
        _ = try await connection.query("""
            INSERT INTO outbox_messages (id, key, seq, destination, payload, payload_size, idempotency_key, header_count,
                                         created_at, expires_at, next_attempt_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9)
            """, [
                .text(id), .text(message.key), .integer(Int(seq)), .text(message.destination),
                .blob(ByteBuffer(bytes: message.payload)), .integer(message.payload.count),
                .text(message.idempotencyKey ?? id), .integer(message.headers.count), .integer(Int(now)), expiresAt,
            ])
        for (position, header) in message.headers.enumerated() {
            _ = try await connection.query(
                "INSERT INTO outbox_headers (message_id, position, name, value) VALUES (?1, ?2, ?3, ?4)",
                [.text(id), .integer(position), .text(header.name), .text(header.value)])
        }
    }
}
