import SQLiteNIO
import Triage
import TriageOutbox

extension SQLiteOutboxStore {
    /// One delivered mark waiting for its transaction, and the claim asked with it.
    struct DeliveredMark: Sendable {
        struct NextClaim: Sendable {
            var limit: Int
            var owner: String
            var leaseUntil: OutboxTimestamp
            var now: OutboxTimestamp
        }

        var id: String
        var attempt: OutboxAttempt
        var next: NextClaim?
        /// What the transaction claimed for `next`; read after the commit.
        let claimed = LockedValue<[OutboxRecord]>([])
    }

    /// Marks the message delivered and claims up to `limit` more heads, in the transaction that carries
    /// every other mark waiting with it: one fsync, and one statement each for the marks, their attempts
    /// and their claims, however many deliveries ended together. The heads claimed are those of the keys
    /// that transaction marked delivered (each key's next message, if due); heads of other keys wait for
    /// ``claim(limit:owner:leaseUntil:now:)``.
    public func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt, thenClaim limit: Int, owner: String,
                              leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord] {
        let next = limit > 0 ? DeliveredMark.NextClaim(limit: limit, owner: owner, leaseUntil: leaseUntil, now: now) : nil
        let mark = DeliveredMark(id: id, attempt: attempt, next: next)
        try await submit(.delivered(mark))
        return mark.claimed.withLock { $0 }
    }

    /// Marks every message of `marks` delivered (those not already delivered or dead), stores their
    /// attempts, then claims what they asked for, owner by owner, among the keys of the messages marked
    /// here (``handOver(keys:limit:owner:leaseUntil:now:on:)``): the latest lease and time asked, records
    /// handed out in claim order. A message is marked once however often it appears.
    static func markDelivered(_ marks: [DeliveredMark], on connection: SQLiteConnection) async throws {
        var seen: Set<String> = []
        let unique = marks.filter { seen.insert($0.id).inserted }
        // The key of each message marked here: the keys that can have a new head.
        var marked: [String: String] = [:]
        for start in stride(from: 0, to: unique.count, by: rowsPerStatement) {
            let chunk = unique[start..<min(unique.count, start + rowsPerStatement)]
            let rows = try await connection.query("""
                UPDATE outbox_messages SET state = 2, claim = NULL, lease_until = NULL, payload = x'', attempts = v.column2,
                       consecutive_failures = 0, finished_at = v.column3
                FROM (VALUES \(placeholders(rows: chunk.count, columns: 3))) AS v
                WHERE outbox_messages.id = v.column1 AND outbox_messages.state < 2 RETURNING id, key
                """, chunk.flatMap { [.text($0.id), .integer($0.attempt.number), .integer(Int($0.attempt.at))] })
            for row in rows {
                if let id = row.column("id")?.string, let key = row.column("key")?.string { marked[id] = key }
            }
        }
        let attempts = unique.filter { marked[$0.id] != nil }.flatMap { mark -> [SQLiteData] in
            let attempt = mark.attempt
            return [.text(mark.id), .integer(attempt.number), .integer(Int(attempt.at)), attempt.kind.map { .text($0) } ?? .null,
                    .text(attempt.delivery), attempt.status.map { .integer($0) } ?? .null,
                    attempt.delayMilliseconds.map { .integer(Int($0)) } ?? .null]
        }
        try await insertRows(attempts, columns: 7, on: connection) {
            "INSERT OR REPLACE INTO outbox_attempts (message_id, number, at, kind, delivery, status, delay_ms) VALUES \($0)"
        }
        var owners: [String] = []
        var requests: [String: [DeliveredMark]] = [:]
        for mark in marks {
            guard let owner = mark.next?.owner else { continue }
            if requests[owner] == nil { owners.append(owner) }
            requests[owner, default: []].append(mark)
        }
        for owner in owners {
            let asking = requests[owner] ?? []
            let nexts = asking.compactMap(\.next)
            var keys: [String] = []
            for mark in asking { if let key = marked[mark.id], !keys.contains(key) { keys.append(key) } }
            var records = try await handOver(keys: keys, limit: nexts.reduce(0) { $0 + $1.limit }, owner: owner,
                                             leaseUntil: nexts.map(\.leaseUntil).max() ?? 0, now: nexts.map(\.now).max() ?? 0,
                                             on: connection)[...]
            for mark in asking {
                let share = records.prefix(mark.next?.limit ?? 0)
                records = records.dropFirst(share.count)
                mark.claimed.withLock { $0 = Array(share) }
            }
        }
    }
}
