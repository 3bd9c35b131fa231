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
                try await checkClaimsHandOutKeyHeadsOnly(store)
            }
        }

        @Test("a lapsed lease lets another claimant take the message; the old claimant's update is then ignored")
        func leaseExpiry() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
                try await checkALapsedLeaseHandsOver(store)
            }
        }

        @Test("a renewal answered late does not shorten the lease")
        func lateRenewalKeepsTheLaterEnd() async throws {
            try await PostgresTestServer.withStore(try await PostgresTestServer.freshDatabase()) { store in
                try await checkALateRenewalDoesNotShortenTheLease(store)
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
                try await checkDeadLettersAndSequence(store)
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
                try await checkPruningKeepsTheCount(store)
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
