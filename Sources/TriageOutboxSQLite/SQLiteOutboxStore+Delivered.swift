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
        /// The claim the message was sent under: a mark for a claim taken over is ignored.
        var claim: String
        var attempt: OutboxAttempt
        var next: NextClaim?
        /// What the transaction claimed for `next`; read after the commit.
        let claimed = LockedValue<[OutboxRecord]>([])
    }

    /// Marks the message delivered and claims up to `limit` more heads, in the transaction that carries
    /// every other mark waiting with it: one fsync, and one statement each for the marks, their attempts
    /// and their claims, however many deliveries ended together.
    public func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt, thenClaim limit: Int, owner: String,
                              leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord] {
        let next = limit > 0 ? DeliveredMark.NextClaim(limit: limit, owner: owner, leaseUntil: leaseUntil, now: now) : nil
        let mark = DeliveredMark(id: id, claim: claim, attempt: attempt, next: next)
        try await submit(.delivered(mark))
        return mark.claimed.withLock { $0 }
    }

    /// Marks every message of `marks` delivered (those still in flight under the mark's claim), stores
    /// their attempts, then claims what they asked for, owner by owner: the latest lease and time asked,
    /// records handed out in claim order. A message is marked once however often it appears.
    static func markDelivered(_ marks: [DeliveredMark], on connection: SQLiteConnection) async throws {
        var seen: Set<String> = []
        let unique = marks.filter { seen.insert($0.id).inserted }
        var marked: Set<String> = []
        for start in stride(from: 0, to: unique.count, by: rowsPerStatement) {
            let chunk = unique[start..<min(unique.count, start + rowsPerStatement)]
            let rows = try await connection.query("""
                UPDATE outbox_messages SET state = 2, claim = NULL, lease_until = NULL, payload = x'', attempts = v.column2,
                       consecutive_failures = 0, finished_at = v.column3
                FROM (VALUES \(placeholders(rows: chunk.count, columns: 4))) AS v
                WHERE outbox_messages.id = v.column1 AND outbox_messages.claim = v.column4 AND outbox_messages.state = 1
                RETURNING id
                """, chunk.flatMap { [.text($0.id), .integer($0.attempt.number), .integer(Int($0.attempt.at)), .text($0.claim)] })
            for row in rows { if let id = row.column("id")?.string { marked.insert(id) } }
        }
        let attempts = unique.filter { marked.contains($0.id) }.flatMap { attemptRow($0.attempt, of: $0.id) }
        try await insertAttempts(attempts, on: connection)
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
            var records = try await claim(limit: nexts.reduce(0) { $0 + $1.limit }, owner: owner,
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
