import Foundation
import SQLiteNIO
import Testing
import TriageOutbox
@testable import TriageOutboxSQLite

@Suite("SQLiteOutboxStore group commit")
struct SQLiteOutboxGroupCommitTests {
    let done = OutboxAttempt(number: 1, at: 5, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)

    @Test("concurrent enqueues share transactions and still number each key's messages in enqueue order, headers kept")
    func concurrentEnqueuesKeepOrder() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<16 {
                group.addTask {
                    for n in 0..<10 {
                        let message = OutboxMessage(key: "p\(producer % 4)-\(producer)", destination: "http://x", payload: Array("\(n)".utf8),
                                                    headers: [OutboxHeader("n", "\(n)"), OutboxHeader("p", "\(producer)")])
                        _ = try await store.enqueue([message, OutboxMessage(key: "shared", destination: "http://x", text: "\(producer).\(n)")],
                                                    now: 0)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(store.commitCounts.transactions < 160)
        let raw = try await SQLiteConnection.open(storage: .file(path: store.path))
        let rows = try await raw.query("SELECT key, seq, CAST(payload AS TEXT) AS text FROM outbox_messages ORDER BY key, seq")
        try await raw.close()
        var byKey: [String: [(seq: Int, text: String)]] = [:]
        for row in rows {
            byKey[row.column("key")?.string ?? "", default: []].append((row.column("seq")?.integer ?? 0, row.column("text")?.string ?? ""))
        }
        #expect(byKey.count == 17)
        for (key, messages) in byKey {
            #expect(messages.map(\.seq) == Array(1...messages.count), "\(key)")
            if key == "shared" {
                #expect(messages.count == 160)
                // Each producer's own messages of the shared key keep their order.
                for producer in 0..<16 {
                    let own = messages.map(\.text).filter { $0.hasPrefix("\(producer).") }
                    #expect(own == (0..<10).map { "\(producer).\($0)" })
                }
            } else {
                #expect(messages.map(\.text) == (0..<10).map { "\($0)" }, "\(key)")
            }
        }
        let head = try #require(try await store.claim(limit: 17, owner: "w", leaseUntil: 10, now: 0).first { $0.key != "shared" })
        #expect(head.headers == [OutboxHeader("n", "0"), OutboxHeader("p", "\(head.key.split(separator: "-")[1])")])
    }

    @Test("enqueues commit with synchronous=FULL; claims and delivered marks alone without an fsync, FULL again after")
    func onlyEnqueuesWaitForTheDisk() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let ids = try await store.enqueue([OutboxMessage(key: "a", destination: "http://x", text: "a1")], now: 0)
        #expect(store.unsyncedTransactions == 0)
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0).map(\.id) == ids)
        try await store.markDelivered(ids[0], claim: "w", attempt: done)
        #expect(store.unsyncedTransactions == 2)
        #expect(try await store.settings().synchronous == 2, "FULL at rest")
        _ = try await store.enqueue([OutboxMessage(key: "a", destination: "http://x", text: "a2")], now: 0)
        try await store.renew(ids, claim: "w", leaseUntil: 200)
        #expect(store.unsyncedTransactions == 2, "an enqueue and a renewal wait for the disk")
        #expect(try await store.stats(now: 1) == OutboxStats(pending: 1, inflight: 0, delivered: 1, dead: 0))
    }

    @Test("a delivered mark hands over the key's next message, claimed in the mark's transaction")
    func markClaimsTheNextHead() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let ids = try await store.enqueue((1...2).map { OutboxMessage(key: "a", destination: "http://x", text: "a\($0)") }, now: 0)
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0).map(\.id) == [ids[0]])
        let before = store.commitCounts.transactions
        let next = try await store.markDelivered(ids[0], claim: "w", attempt: done, thenClaim: 1, owner: "w", leaseUntil: 200, now: 5)
        #expect(store.commitCounts.transactions == before + 1)
        #expect(next.map(\.id) == [ids[1]])
        #expect(next.first?.claim == "w")
        #expect(try await store.stats(now: 6) == OutboxStats(pending: 0, inflight: 1, delivered: 1, dead: 0))
        #expect(try await store.attempts(of: ids[0]) == [done])
        #expect(try await store.claim(limit: 5, owner: "other", leaseUntil: 300, now: 199).isEmpty, "held under the new lease")
        #expect(try await store.markDelivered(ids[1], claim: "w", attempt: done, thenClaim: 1, owner: "w", leaseUntil: 200, now: 5).isEmpty)
    }

    @Test("concurrent delivered marks are committed together and each hands over a different key head")
    func concurrentMarksHandOverDistinctHeads() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let keys = 32
        _ = try await store.enqueue((0..<keys).flatMap { key in
            (1...2).map { OutboxMessage(key: "k\(key)", destination: "http://x", text: "\($0)") }
        }, now: 0)
        let heads = try await store.claim(limit: keys, owner: "w", leaseUntil: 100, now: 0)
        #expect(heads.count == keys)
        let before = store.commitCounts.transactions
        let done = done
        let handedOver = try await withThrowingTaskGroup(of: [OutboxRecord].self) { group in
            for head in heads {
                group.addTask {
                    try await store.markDelivered(head.id, claim: "w", attempt: done, thenClaim: 1, owner: "w", leaseUntil: 100, now: 5)
                }
            }
            return try await group.reduce(into: [OutboxRecord]()) { $0 += $1 }
        }
        #expect(store.commitCounts.transactions - before < keys)
        #expect(handedOver.count == keys)
        #expect(Set(handedOver.map(\.key)).count == keys)
        #expect(handedOver.allSatisfy { $0.seq == 2 })
        #expect(try await store.stats(now: 6) == OutboxStats(pending: 0, inflight: keys, delivered: keys, dead: 0))
    }
}
