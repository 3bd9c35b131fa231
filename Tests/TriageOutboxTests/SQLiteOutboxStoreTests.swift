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

    @Test("hands out only the head of each key, the next one once the head is delivered, payload and headers intact")
    func claimsKeyHeadsOnly() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkClaimsHandOutKeyHeadsOnly(store)
    }

    @Test("a lapsed lease lets another claimant take the message; the old claimant's update is then ignored")
    func leaseExpiry() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkALapsedLeaseHandsOver(store)
    }

    @Test("a renewal answered late does not shorten the lease")
    func lateRenewalKeepsTheLaterEnd() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkALateRenewalDoesNotShortenTheLease(store)
    }

    @Test("a claim taken over: the old claimant's renewal and delivered mark change nothing; a lapsed lease nobody took renews")
    func takenOverClaimsAreFenced() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkTakenOverClaimsAreFenced(store)
    }

    @Test("dead letters keep their failure; sequence numbers come from the key's counter row and keep counting")
    func deadLettersAndSequence() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkDeadLettersAndSequence(store)
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

    @Test("pruning deletes old delivered messages and their attempts; stats still count them as delivered")
    func pruneKeepsTheCount() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        try await checkPruningKeepsTheCount(store)
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
