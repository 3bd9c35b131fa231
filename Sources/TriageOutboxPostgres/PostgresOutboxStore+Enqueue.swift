import NIOCore
import PostgresNIO
import Triage
import TriageOutbox

extension PostgresOutboxStore {
    public func enqueue(_ messages: [OutboxMessage], now: OutboxTimestamp) async throws -> [String] {
        guard !messages.isEmpty else { return [] }
        let ids = messages.map { _ in OutboxIdentifier.make() }
        let attempted = LockedValue(false)
        try await retrying("enqueue") {
            // A try lost around its COMMIT (or abandoned, and committing later) leaves it unknown whether
            // the batch committed: the batch is all or nothing, so its first id tells, and it is never
            // stored twice (a second try's insert of the same ids fails).
            let retry = attempted.withLock { attempted in
                defer { attempted = true }
                return attempted
            }
            if retry, try await self.exists(ids[0]) { return }
            do {
                try await self.client.withTransaction(logger: self.logger) { connection in
                    try await Self.insert(messages, ids: ids, now: now, on: connection, logger: self.logger)
                }
            } catch {
                if retry, try await self.exists(ids[0]) { return }
                throw error
            }
        }
        return ids
    }

    private func exists(_ id: String) async throws -> Bool {
        let rows = try await client.query("SELECT 1 FROM outbox_messages WHERE id = \(id)", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Takes each key's sequence numbers from its counter row, one update per key in key order (so that
    /// two batches never wait on each other's counters in a cycle), inserts the messages, and notifies.
    static func insert(_ messages: [OutboxMessage], ids: [String], now: OutboxTimestamp, on connection: PostgresConnection,
                       logger: Logger) async throws {
        try await connection.query("SET LOCAL synchronous_commit = on", logger: logger)
        var counts: [String: Int64] = [:]
        for message in messages { counts[message.key, default: 0] += 1 }
        var next: [String: Int64] = [:]
        for key in counts.keys.sorted() {
            let count = counts[key]!
            let rows = try await connection.query("""
                INSERT INTO outbox_keys (key, last_seq) VALUES (\(key), \(count))
                ON CONFLICT (key) DO UPDATE SET last_seq = outbox_keys.last_seq + \(count) RETURNING last_seq
                """, logger: logger)
            for try await last in rows.decode(Int64.self) { next[key] = last - count + 1 }
            guard next[key] != nil else { throw OutboxError(.storeUnavailable, "no sequence number for a key") }
        }
        for (id, message) in zip(ids, messages) {
            let seq = next[message.key]!
            next[message.key] = seq + 1
            let expiresAt = message.maximumAge.map { now + $0.outboxMilliseconds }
            try await connection.query("""
                INSERT INTO outbox_messages (id, key, seq, destination, payload, payload_size, idempotency_key,
                                             header_names, header_values, created_at, expires_at, next_attempt_at)
                VALUES (\(id), \(message.key), \(seq), \(message.destination), \(ByteBuffer(bytes: message.payload)),
                        \(Int64(message.payload.count)), \(message.idempotencyKey ?? id), \(message.headers.map(\.name)),
                        \(message.headers.map(\.value)), \(now), \(expiresAt), \(now))
                """, logger: logger)
        }
        try await connection.query("SELECT pg_notify(\(PostgresOutboxSchema.channel), '')", logger: logger)
    }
}
