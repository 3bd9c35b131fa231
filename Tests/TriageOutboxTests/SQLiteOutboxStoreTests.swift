import Foundation
import SQLiteNIO
import Testing
import TriageOutbox
import TriageOutboxSQLite

@Suite("SQLiteOutboxStore")
struct SQLiteOutboxStoreTests {
    @Test("runs in WAL mode with synchronous=FULL, a busy timeout and temp_store=MEMORY, as read back from SQLite")
    func settingsReadBack() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let settings = try await store.settings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2)
        #expect(settings.busyTimeoutMilliseconds == 5000)
        #expect(settings.tempStore == 2, "statement journals in memory")
    }

    @Test("hands out only the head of each key, and the next one once the head is delivered")
    func claimsKeyHeadsOnly() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let ids = try await store.enqueue([
            OutboxMessage(key: "a", destination: "http://x", text: "a1"), OutboxMessage(key: "a", destination: "http://x", text: "a2"),
            OutboxMessage(key: "b", destination: "http://x", text: "b1"), OutboxMessage(key: "a", destination: "http://x", text: "a3"),
        ], now: 1000)
        let first = try await store.claim(limit: 10, owner: "w1", leaseUntil: 31_000, now: 1000)
        #expect(first.map(\.key) == ["a", "b"])
        #expect(first.map(\.seq) == [1, 1])
        #expect(try await store.claim(limit: 10, owner: "w2", leaseUntil: 31_000, now: 1000).isEmpty)
        try await store.markDelivered(ids[0], claim: "w1", attempt: OutboxAttempt(number: 1, at: 1001, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil))
        let second = try await store.claim(limit: 10, owner: "w2", leaseUntil: 31_000, now: 1002)
        #expect(second.map(\.id) == [ids[1]])
        #expect(second.first?.seq == 2)
        #expect(second.first?.payload == Array("a2".utf8))
    }

    @Test("a lapsed lease lets another claimant take the message; the old claimant's update is then ignored")
    func leaseExpiry() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let id = try await store.enqueue([OutboxMessage(destination: "http://x", text: "m")], now: 0)[0]
        _ = try await store.claim(limit: 1, owner: "old", leaseUntil: 1000, now: 0)
        #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 2000, now: 999).isEmpty)
        let taken = try await store.claim(limit: 1, owner: "new", leaseUntil: 31_000, now: 1000)
        #expect(taken.map(\.id) == [id])
        let attempt = OutboxAttempt(number: 1, at: 1001, kind: "connect.refused", delivery: "notSent", status: nil, delayMilliseconds: 5)
        try await store.reschedule(id, claim: "old", due: 1006, retryAfter: false, attempt: attempt)
        #expect(try await store.stats(now: 1002) == OutboxStats(pending: 0, inflight: 1, delivered: 0, dead: 0))
        #expect(try await store.attempts(of: id).isEmpty)
    }

    @Test("a claim taken over: the old claimant's renewal and delivered mark change nothing; a lapsed lease nobody took renews")
    func takenOverClaimsAreFenced() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkTakenOverClaimsAreFenced(store)
    }

    @Test("sequence numbers come from the key's counter row and keep counting after deliveries")
    func sequenceCounter() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let done = OutboxAttempt(number: 1, at: 1, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)
        for round in 1...3 {
            let id = try await store.enqueue([OutboxMessage(key: "k", destination: "http://x", text: "\(round)")], now: 0)[0]
            let claimed = try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0)
            #expect(claimed.map(\.seq) == [Int64(round)])
            try await store.markDelivered(id, claim: "w", attempt: done)
        }
    }

    @Test("a batch is one transaction: a failing message leaves nothing of its batch, and other batches commit")
    func batchIsAtomic() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let raw = try await SQLiteConnection.open(storage: .file(path: store.path))
        _ = try await raw.query("""
            CREATE TRIGGER reject_poison BEFORE INSERT ON outbox_messages WHEN NEW.key = 'poison'
            BEGIN SELECT RAISE(ABORT, 'poison'); END
            """)
        try await raw.close()
        async let good = store.enqueue([OutboxMessage(key: "g", destination: "http://x", text: "1")], now: 0)
        let poisoned = [OutboxMessage(key: "ok", destination: "http://x", text: "1"), OutboxMessage(key: "poison", destination: "http://x", text: "2")]
        await #expect(throws: (any Error).self) { try await store.enqueue(poisoned, now: 0) }
        #expect(try await good.count == 1)
        #expect(try await store.stats(now: 0).pending == 1)
        #expect(try await store.claim(limit: 10, owner: "w", leaseUntil: 10, now: 0).map(\.key) == ["g"])
    }

    @Test("64 concurrent enqueues are group-committed into far fewer transactions")
    func groupCommit() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<64 {
                group.addTask {
                    for n in 0..<10 {
                        _ = try await store.enqueue([OutboxMessage(key: "p\(producer)", destination: "http://x", text: "\(n)")], now: 0)
                    }
                }
            }
            try await group.waitForAll()
        }
        let counts = store.commitCounts
        #expect(counts.writes == 640)
        #expect(counts.transactions < 320, "transactions: \(counts.transactions)")
        #expect(try await store.stats(now: 0).pending == 640)
    }

    @Test("pruning deletes old delivered messages with their attempts; stats still count them as delivered")
    func pruneKeepsTheCount() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let ids = try await store.enqueue((1...3).map { OutboxMessage(key: "k\($0)", destination: "http://x", text: "\($0)") }, now: 0)
        _ = try await store.claim(limit: 3, owner: "w", leaseUntil: 100, now: 0)
        for (id, at) in zip(ids.prefix(2), [10, 50] as [Int64]) {
            try await store.markDelivered(id, claim: "w", attempt: OutboxAttempt(number: 1, at: at, kind: nil, delivery: "processed",
                                                                                    status: nil, delayMilliseconds: nil))
        }
        #expect(try await store.pruneDelivered(finishedBefore: 20) == 1)
        #expect(try await store.pruneDelivered(finishedBefore: 20) == 0)
        #expect(try await store.attempts(of: ids[0]).isEmpty)
        #expect(try await store.attempts(of: ids[1]).count == 1)
        #expect(try await store.stats(now: 60) == OutboxStats(pending: 0, inflight: 1, delivered: 2, dead: 0))
    }

    @Test("a new delivering process on the file reclaims a dead one's claims at once, not a live one's")
    func reclaimOnlyDeadRunners() async throws {
        let path = try temporaryDirectory() + "/outbox.sqlite"
        let first = try await SQLiteOutboxStore.open(path: path, logger: quietLogger)
        #expect(try await first.reclaimClaimsOfDeadRunners() == 0)
        _ = try await first.enqueue([OutboxMessage(destination: "http://x", text: "m")], now: 0)
        #expect(try await first.claim(limit: 1, owner: "first", leaseUntil: 1_000_000, now: 0).count == 1)
        let second = try await SQLiteOutboxStore.open(path: path, logger: quietLogger)
        #expect(try await second.reclaimClaimsOfDeadRunners() == 0, "the first runner still holds its lock")
        await second.close()
        await first.close()
        let third = try await SQLiteOutboxStore.open(path: path, logger: quietLogger)
        defer { Task { await third.close() } }
        #expect(try await third.reclaimClaimsOfDeadRunners() == 1)
        #expect(try await third.claim(limit: 1, owner: "third", leaseUntil: 10, now: 1).count == 1)
    }
}
