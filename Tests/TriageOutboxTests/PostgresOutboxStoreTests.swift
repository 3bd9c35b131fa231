import Foundation
import PostgresNIO
import Testing
import Triage
@testable import TriageOutboxPostgres
import TriageOutbox

/// Every PostgreSQL suite, one at a time: one of them stops the server mid-run.
@Suite("PostgreSQL outbox", .serialized, .enabled(if: postgresAvailable, "needs the test PostgreSQL (bash scripts/install-test-deps.sh)"))
struct PostgresOutboxTests {}

extension PostgresOutboxTests {
    @Suite("PostgresOutboxStore")
    struct Store {
        let done = OutboxAttempt(number: 1, at: 1, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)

        @Test("creates its tables idempotently, from four stores at once, with a schema version row")
        func schemaIsIdempotent() async throws {
            let url = try await PostgresTestServer.freshDatabase()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresTestServer.withStore(url) { _ in } } }
                try await group.waitForAll()
            }
            try await PostgresTestServer.withStore(url) { store in
                try await store.prepare()
                #expect(try await store.stats(now: 0) == OutboxStats(pending: 0, inflight: 0, delivered: 0, dead: 0))
            }
            let versions = try await PostgresTestServer.admin(database: String(url.split(separator: "/").last!)) { connection in
                var versions: [Int] = []
                for try await version in try await connection.query("SELECT version FROM outbox_schema", logger: quietLogger)
                    .decode(Int.self) { versions.append(version) }
                return versions
            }
            #expect(versions == [1])
        }

        @Test("hands out only the head of each key, the next one once the head is delivered, payload and headers intact")
        func claimsKeyHeadsOnly() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
                var a2 = OutboxMessage(key: "a", destination: "http://x", text: "a2")
                a2.headers = [OutboxHeader("X-One", "1"), OutboxHeader("X-Two", "2")]
                let ids = try await store.enqueue([
                    OutboxMessage(key: "a", destination: "http://x", text: "a1"), a2,
                    OutboxMessage(key: "b", destination: "http://x", text: "b1"), OutboxMessage(key: "a", destination: "http://x", text: "a3"),
                ], now: 1000)
                let first = try await store.claim(limit: 10, owner: "w1", leaseUntil: 31_000, now: 1000)
                #expect(first.map(\.key) == ["a", "b"])
                #expect(first.map(\.seq) == [1, 1])
                #expect(try await store.claim(limit: 10, owner: "w2", leaseUntil: 31_000, now: 1000).isEmpty)
                try await store.markDelivered(ids[0], claim: "w1", attempt: done)
                let second = try await store.claim(limit: 10, owner: "w2", leaseUntil: 31_000, now: 1002)
                #expect(second.map(\.id) == [ids[1]])
                #expect(second.first?.seq == 2)
                #expect(second.first?.payload == Array("a2".utf8))
                #expect(second.first?.headers == a2.headers)
                #expect(try await store.attempts(of: ids[0]) == [done])
                #expect(try await store.stats(now: 1002) == OutboxStats(pending: 1, inflight: 2, delivered: 1, dead: 0))
            }
        }

        @Test("a lapsed lease lets another claimant take the message; the old claimant's update is then ignored")
        func leaseExpiry() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
                let id = try await store.enqueue([OutboxMessage(destination: "http://x", text: "m")], now: 0)[0]
                _ = try await store.claim(limit: 1, owner: "old", leaseUntil: 1000, now: 0)
                #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 2000, now: 999).isEmpty)
                #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 31_000, now: 1000).map(\.id) == [id])
                let attempt = OutboxAttempt(number: 1, at: 1001, kind: "connect.refused", delivery: "notSent", status: nil, delayMilliseconds: 5)
                try await store.reschedule(id, claim: "old", due: 1006, retryAfter: false, attempt: attempt)
                #expect(try await store.stats(now: 1002) == OutboxStats(pending: 0, inflight: 1, delivered: 0, dead: 0))
                #expect(try await store.attempts(of: id).isEmpty)
                try await store.reschedule(id, claim: "new", due: 1006, retryAfter: false, attempt: attempt)
                #expect(try await store.attempts(of: id) == [attempt])
                #expect(try await store.nextDue(now: 1002) == 1006)
            }
        }

        @Test("a claim taken over: the old claimant's renewal and delivered mark change nothing; a lapsed lease nobody took renews")
        func takenOverClaimsAreFenced() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
                try await checkTakenOverClaimsAreFenced(store)
            }
        }

        @Test("dead letters keep their failure; sequence numbers come from the key's counter row and keep counting")
        func deadLettersAndSequence() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
                for round in 1...3 {
                    let id = try await store.enqueue([OutboxMessage(key: "k", destination: "http://x", text: "\(round)")], now: 0)[0]
                    let claimed = try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0)
                    #expect(claimed.map(\.seq) == [Int64(round)])
                    if round == 2 {
                        let attempt = OutboxAttempt(number: 1, at: 5, kind: "http.invalid", delivery: "processed", status: 422, delayMilliseconds: nil)
                        try await store.deadLetter(id, claim: "w", kind: "http.invalid", status: 422, reason: "422 Unprocessable", attempt: attempt)
                    } else {
                        try await store.markDelivered(id, claim: "w", attempt: done)
                    }
                }
                let letters = try await store.deadLetters()
                #expect(letters.map(\.seq) == [2])
                #expect(letters.first?.kind == "http.invalid")
                #expect(letters.first?.status == 422)
                #expect(letters.first?.attempts == 1)
                #expect(letters.first?.reason == "422 Unprocessable")
            }
        }

        @Test("a batch is one transaction: a failing message leaves nothing of its batch, and other batches commit")
        func batchIsAtomic() async throws {
            let url = try await PostgresTestServer.freshDatabase()
            try await PostgresTestServer.withStore(url) { store in
                try await PostgresTestServer.admin(database: String(url.split(separator: "/").last!)) { connection in
                    try await connection.query("""
                        CREATE FUNCTION reject_poison() RETURNS trigger AS $$
                        BEGIN IF NEW.key = 'poison' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql
                        """, logger: quietLogger)
                    try await connection.query("""
                        CREATE TRIGGER reject_poison BEFORE INSERT ON outbox_messages FOR EACH ROW EXECUTE FUNCTION reject_poison()
                        """, logger: quietLogger)
                }
                async let good = store.enqueue([OutboxMessage(key: "g", destination: "http://x", text: "1")], now: 0)
                let poisoned = [OutboxMessage(key: "ok", destination: "http://x", text: "1"),
                                OutboxMessage(key: "poison", destination: "http://x", text: "2")]
                await #expect(throws: (any Error).self) { try await store.enqueue(poisoned, now: 0) }
                #expect(try await good.count == 1)
                #expect(try await store.stats(now: 0).pending == 1)
                #expect(try await store.claim(limit: 10, owner: "w", leaseUntil: 10, now: 0).map(\.key) == ["g"])
            }
        }

        @Test("pruning deletes old delivered messages and their attempts; stats still count them as delivered")
        func pruneKeepsTheCount() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
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
        }

        @Test("an enqueue through another client wakes a listening store at once (LISTEN/NOTIFY)")
        func notifyWakesListener() async throws {
            let url = try await PostgresTestServer.freshDatabase()
            try await PostgresTestServer.withStore(url) { listener in
                let woken = LockedValue(0)
                let follower = Task {
                    for await _ in listener.wakeups() { woken.withLock { $0 += 1 } }
                }
                defer { follower.cancel() }
                #expect(await eventually { woken.withLock { $0 } >= 1 }, "listening started")
                let before = woken.withLock { $0 }
                try await PostgresTestServer.withStore(url) { producer in
                    _ = try await producer.enqueue([OutboxMessage(destination: "http://x", text: "m")], now: 0)
                }
                #expect(await eventually { woken.withLock { $0 } > before }, "the enqueue's NOTIFY arrived")
            }
        }
    }
}
