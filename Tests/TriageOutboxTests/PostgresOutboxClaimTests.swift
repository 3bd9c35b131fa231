import Foundation
import PostgresNIO
import Testing
import Triage
@testable import TriageOutboxPostgres
import TriageOutbox

extension PostgresOutboxTests {
    @Suite("PostgreSQL claims under contention")
    struct Claims {
        @Test("while one transaction holds a key's head locked, a second claimer gets nothing of that key; a plain SKIP LOCKED claim would take its next message")
        func lockedHeadIsNotReplacedBySuccessor() async throws {
            let url = try await PostgresTestServer.freshDatabase()
            let database = String(url.split(separator: "/").last!)
            try await PostgresTestServer.withStore(url) { store in
                _ = try await store.enqueue(["a", "a", "a", "b"].map { OutboxMessage(key: $0, destination: "http://x", text: $0) }, now: 0)
            }
            try await PostgresTestServer.admin(database: database) { first in
                try await PostgresTestServer.admin(database: database) { second in
                    try await first.query("BEGIN", logger: quietLogger)
                    let held = try await Self.keysAndSeqs(first, PostgresOutboxSchema.claim(limit: 10, owner: "w1", leaseUntil: 60_000, now: 1))
                    #expect(held == ["a#1", "b#1"])
                    let meanwhile = try await Self.keysAndSeqs(second, PostgresOutboxSchema.claim(limit: 10, owner: "w2", leaseUntil: 60_000, now: 1))
                    #expect(meanwhile.isEmpty, "the second claimer took \(meanwhile) while a#1 and b#1 were held")

                    // The query this store does not use: every pending row, locked ones skipped.
                    try await second.query("BEGIN", logger: quietLogger)
                    let plain = try await Self.keysAndSeqs(second, """
                        UPDATE outbox_messages SET state = 1, claim = 'plain' WHERE id IN (
                            SELECT id FROM outbox_messages WHERE state = 0 AND next_attempt_at <= 1
                            ORDER BY seq LIMIT 10 FOR UPDATE SKIP LOCKED)
                        RETURNING key, seq
                        """)
                    try await second.query("ROLLBACK", logger: quietLogger)
                    #expect(plain.contains("a#2"), "a plain SKIP LOCKED claim hands a#2 to a second worker while a#1 is held: \(plain)")

                    try await first.query("COMMIT", logger: quietLogger)
                    let after = try await Self.keysAndSeqs(second, PostgresOutboxSchema.claim(limit: 10, owner: "w2", leaseUntil: 60_000, now: 2))
                    #expect(after.isEmpty, "the heads are in flight under w1's lease: \(after)")
                }
            }
        }

        @Test("eight concurrent claimers on their own connections: every message once, in order per key, never two holders of one key")
        func concurrentClaimers() async throws {
            let keys = 10, perKey = 20
            let url = try await PostgresTestServer.freshDatabase()
            try await PostgresTestServer.withStore(url) { store in
                let messages = (0..<(keys * perKey)).map { OutboxMessage(key: "k\($0 % keys)", destination: "http://x", text: "\($0)") }
                _ = try await store.enqueue(messages, now: 0)
                let ledger = LockedValue(ClaimLedger())
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<8 {
                        group.addTask {
                            let owner = "w\(worker)"
                            while ledger.withLock({ $0.delivered.values.reduce(0, +) }) < keys * perKey {
                                let now = OutboxClock.system.now()
                                let claimed = try await store.claim(limit: 3, owner: owner, leaseUntil: now + 600_000, now: now)
                                if claimed.isEmpty {
                                    try await Task.sleep(for: .milliseconds(2))
                                    continue
                                }
                                for record in claimed { ledger.withLock { $0.claimed(record.key, record.seq, by: owner) } }
                                for record in claimed {
                                    try await Task.sleep(for: .microseconds(Int.random(in: 0...2000)))
                                    // Recorded before the store hears of it: once it does, the next one may be claimed.
                                    ledger.withLock { $0.finished(record.key, record.seq) }
                                    try await store.markDelivered(record.id, claim: owner, attempt: OutboxAttempt(
                                        number: 1, at: now, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil))
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let result = ledger.withLock { $0 }
                #expect(result.violations.isEmpty, "\(result.violations.prefix(5))")
                #expect(result.delivered == Dictionary(uniqueKeysWithValues: (0..<keys).map { ("k\($0)", perKey) }))
                #expect(Set(result.owners).count > 1, "the claims were spread over several claimers")
                #expect(try await store.stats(now: OutboxClock.system.now()).delivered == keys * perKey)
            }
        }

        static func keysAndSeqs(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [String] {
            var result: [String] = []
            for try await row in try await connection.query(query, logger: quietLogger) {
                let cells = row.makeRandomAccess()
                result.append("\(try cells["key"].decode(String.self))#\(try cells["seq"].decode(Int64.self))")
            }
            return result.sorted()
        }
    }
}

/// What the concurrent claimers did: a claim of a key someone holds, or of a message whose predecessor
/// was not delivered, is a violation.
struct ClaimLedger: Sendable {
    var holder: [String: String] = [:]
    var delivered: [String: Int] = [:]
    var violations: [String] = []
    var owners: [String] = []

    mutating func claimed(_ key: String, _ seq: Int64, by owner: String) {
        if let other = holder[key] { violations.append("\(owner) claimed \(key)#\(seq) while \(other) held \(key)") }
        if seq != Int64(delivered[key, default: 0] + 1) {
            violations.append("\(owner) claimed \(key)#\(seq) after \(delivered[key, default: 0]) deliveries")
        }
        holder[key] = owner
        owners.append(owner)
    }

    mutating func finished(_ key: String, _ seq: Int64) {
        holder[key] = nil
        delivered[key, default: 0] += 1
    }
}
