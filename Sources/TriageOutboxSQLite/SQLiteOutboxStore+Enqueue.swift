import NIOCore
import SQLiteNIO
import TriageOutbox

extension SQLiteOutboxStore {
    /// One ``enqueue(_:now:)`` call waiting for its transaction.
    struct EnqueueBatch: Sendable {
        var messages: [OutboxMessage]
        var ids: [String]
        var now: OutboxTimestamp
    }

    public func enqueue(_ messages: [OutboxMessage], now: OutboxTimestamp) async throws -> [String] {
        let batch = EnqueueBatch(messages: messages, ids: messages.map { _ in SQLiteMessageID.make(now: now) }, now: now)
        try await submit(.enqueue(batch))
        return batch.ids
    }

    /// Inserts every batch of one transaction in a few multi-row statements, each one hop onto SQLite's
    /// thread (two statements per message cost two hops each, which is what limited group commit): the
    /// keys' counter rows first, each raised by its key's count in one upsert, then the messages numbered
    /// from the counters in enqueue order, then their headers.
    static func insert(_ batches: [EnqueueBatch], on connection: SQLiteConnection) async throws {
        var counts: [String: Int] = [:]
        var keys: [String] = []
        for batch in batches {
            for message in batch.messages {
                if counts[message.key] == nil { keys.append(message.key) }
                counts[message.key, default: 0] += 1
            }
        }
        var nextSeq = try await raiseCounters(keys: keys, counts: counts, on: connection)
        var rows: [SQLiteData] = []
        var headers: [SQLiteData] = []
        for batch in batches {
            for (id, message) in zip(batch.ids, batch.messages) {
                let seq = nextSeq[message.key, default: 0]
                nextSeq[message.key] = seq + 1
                let expiresAt: SQLiteData = message.maximumAge.map { .integer(Int(batch.now + $0.outboxMilliseconds)) } ?? .null
                rows += [
                    .text(id), .text(message.key), .integer(seq), .text(message.destination),
                    .blob(ByteBuffer(bytes: message.payload)), .integer(message.payload.count),
                    .text(message.idempotencyKey ?? id), .integer(message.headers.count), .integer(Int(batch.now)), expiresAt,
                    .integer(Int(batch.now)),
                ]
                for (position, header) in message.headers.enumerated() {
                    headers += [.text(id), .integer(position), .text(header.name), .text(header.value)]
                }
            }
        }
        try await insertRows(rows, columns: 11, on: connection) { values in
            """
            INSERT INTO outbox_messages (id, key, seq, destination, payload, payload_size, idempotency_key, header_count,
                                         created_at, expires_at, next_attempt_at)
            VALUES \(values)
            """
        }
        try await insertRows(headers, columns: 4, on: connection) { "INSERT INTO outbox_headers (message_id, position, name, value) VALUES \($0)" }
    }

    /// Raises each key's counter row by its count; returns each key's first new sequence number.
    private static func raiseCounters(keys: [String], counts: [String: Int], on connection: SQLiteConnection) async throws -> [String: Int] {
        var first: [String: Int] = [:]
        for start in stride(from: 0, to: keys.count, by: rowsPerStatement) {
            let chunk = keys[start..<min(keys.count, start + rowsPerStatement)]
            let rows = try await connection.query("""
                INSERT INTO outbox_keys (key, last_seq) VALUES \(placeholders(rows: chunk.count, columns: 2))
                ON CONFLICT (key) DO UPDATE SET last_seq = last_seq + excluded.last_seq RETURNING key, last_seq
                """, chunk.flatMap { [.text($0), .integer(counts[$0, default: 0])] })
            for row in rows {
                guard let key = row.column("key")?.string, let last = row.column("last_seq")?.integer else { continue }
                first[key] = last - counts[key, default: 0] + 1
            }
        }
        guard first.count == keys.count else { throw OutboxError(.storeUnavailable, "no sequence number for a key") }
        return first
    }

    /// Runs `statement` (given its VALUES) over `binds`, `columns` per row, a chunk of rows at a time.
    static func insertRows(_ binds: [SQLiteData], columns: Int, on connection: SQLiteConnection,
                           _ statement: (String) -> String) async throws {
        let perStatement = rowsPerStatement * columns
        for start in stride(from: 0, to: binds.count, by: perStatement) {
            let chunk = Array(binds[start..<min(binds.count, start + perStatement)])
            _ = try await connection.query(statement(placeholders(rows: chunk.count / columns, columns: columns)), chunk)
        }
    }
}
