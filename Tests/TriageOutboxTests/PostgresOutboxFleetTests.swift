import Foundation
import Testing
import Triage
import TriageOutbox

/// Real `triage outbox run --postgres` processes on one database, delivering to one loopback receiver,
/// while a worker is SIGKILLed, the server cuts their connections, or the server crashes and restarts.
/// Checked as the SQLite crash loop is (Jepsen's set check), and at the receiver: never two requests of
/// one key in flight at once.
extension PostgresOutboxTests {
    @Suite("PostgreSQL fleet", .enabled(if: TriageChild.isBuilt, "needs the built triage binary"))
    struct Fleet {
        static let keys = 16

        @Test("four workers, one SIGKILLed mid-run: nothing lost, per-key order, no key held by two workers")
        func fourWorkersOneKilled() async throws {
            let fleet = try await FleetRun.start(messages: 400)
            let workers = try (0..<4).map { _ in try fleet.worker(lease: 3) }
            #expect(await eventually(.seconds(120)) { fleet.receiver.arrivals.count >= 80 })
            workers[0].kill()
            #expect(await workers[0].wait().reason == .uncaughtSignal)
            for worker in workers.dropFirst() {
                let exit = await worker.wait(limit: .seconds(300))
                #expect(exit.reason == .exit && exit.status == 0, "\(exit.stderr)")
            }
            try await fleet.check()
        }

        @Test("pg_terminate_backend on the workers' connections mid-run: they reconnect and finish")
        func connectionsTerminated() async throws {
            let fleet = try await FleetRun.start(messages: 300)
            let workers = try (0..<2).map { _ in try fleet.worker(lease: 5) }
            var terminated = 0
            for threshold in [60, 120, 180] {
                #expect(await eventually(.seconds(120)) { fleet.receiver.arrivals.count >= threshold })
                terminated += try await PostgresTestServer.terminateBackends(of: fleet.database)
            }
            #expect(terminated >= 2, "terminated \(terminated) connections")
            for worker in workers {
                let exit = await worker.wait(limit: .seconds(300))
                #expect(exit.reason == .exit && exit.status == 0, "\(exit.stderr)")
            }
            // A statement written to a connection as it is cut can wait out the operation timeout (30 s):
            // claims and renewals answered after their 5 s leases ended, while the other worker re-claimed
            // those messages. Lease fencing (OutboxLeaseFenceTests) keeps such a worker from sending them.
            try await fleet.check()
        }

        @Test("pg_ctl stop -m immediate and a restart mid-run: nothing acknowledged is lost",
              .enabled(if: PostgresTestServer.isScriptServer, "crashes only the server of scripts/test-postgres.sh"))
        func serverCrashAndRestart() async throws {
            let fleet = try await FleetRun.start(messages: 300)
            let workers = try (0..<2).map { _ in try fleet.worker(lease: 10) }
            #expect(await eventually(.seconds(120)) { fleet.receiver.arrivals.count >= 100 })
            try await fleet.enqueue(count: 20, tag: "late")
            try await PostgresTestServer.crashAndRestart(downFor: .seconds(1))
            for worker in workers {
                let exit = await worker.wait(limit: .seconds(300))
                #expect(exit.reason == .exit && exit.status == 0, "\(exit.stderr)")
            }
            // A worker that found nothing left while the late batch was being enqueued may have gone.
            let final = try await TriageChild.run(["outbox", "run", "--postgres", fleet.url, "--until-empty"])
            #expect(final.status == 0, "\(final.stderr)")
            try await fleet.check()
        }
    }

    @Suite("triage outbox --postgres", .enabled(if: TriageChild.isBuilt, "needs the built triage binary"))
    struct CommandLine {
        @Test("enqueue, run --until-empty, stats and dead print the contract's output")
        func enqueueRunStatsDead() async throws {
            let receiver = try await RecordingReceiver.start { arrival, _ in arrival.body == "reject" ? .init(status: 422) : .ok }
            let url = try await PostgresTestServer.freshDatabase()
            for body in ["m1", "reject", "m3"] {
                let enqueue = try await TriageChild.run(["outbox", "enqueue", "--postgres", url, "--to", receiver.url(), "--key", "robot", "-d", body])
                #expect(enqueue.status == 0, "\(enqueue.stderr)")
            }
            let run = try await TriageChild.run(["outbox", "run", "--postgres", url, "--until-empty"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(receiver.arrivals.map(\.seq) == [1, 2, 3])
            let stats = try await TriageChild.run(["outbox", "stats", "--postgres", url, "--json"])
            #expect(stats.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{\"pending\": 0, \"inflight\": 0, \"delivered\": 2, \"dead\": 1}")
            let dead = try await TriageChild.run(["outbox", "dead", "--postgres", url, "--json"])
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(dead.stdout.utf8)) as? [[String: Any]])
            #expect(parsed.first?["seq"] as? Int == 2)
            #expect(parsed.first?["status"] as? Int == 422)
            #expect(parsed.first?["kind"] as? String == "http.invalid")
            await receiver.shutdown()
        }

        @Test("an unreachable server, a refused login, a malformed URL: exit 1, 1, 2, the error names host:port and never the password")
        func badDatabases() async throws {
            let refused = try await TriageChild.run(["outbox", "stats", "--postgres", "postgres://triage:hunter2-secret@127.0.0.1:1/db"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("127.0.0.1:1"), "\(refused.stderr)")
            let login = try await TriageChild.run(["outbox", "enqueue", "--postgres", "postgres://triage:hunter2-secret@127.0.0.1:\(PostgresTestServer.parsed.port)/triage_test",
                                                   "--to", "http://127.0.0.1:9/", "-d", "x"])
            #expect(login.status == 1)
            #expect(login.stderr.contains("password authentication failed"), "\(login.stderr)")
            let malformed = try await TriageChild.run(["outbox", "run", "--postgres", "postgres://triage:hunter2-secret@/db"])
            #expect(malformed.status == 2)
            for result in [refused, login, malformed] {
                #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"), "\(result.stderr)")
            }
        }
    }
}

/// One fleet test's database, receiver and acknowledged messages.
final class FleetRun: Sendable {
    let url: String
    let database: String
    let receiver: RecordingReceiver
    let directory: String
    private let state = LockedValue(State())

    private struct State {
        var acknowledged = Set<String>()
        var holding: [String: Int] = [:]
        var overlaps = 0
        var batches = 0
    }

    private init(url: String, receiver: RecordingReceiver, directory: String) {
        self.url = url
        self.database = String(url.split(separator: "/").last!)
        self.receiver = receiver
        self.directory = directory
    }

    /// A fresh database with `messages` enqueued over ``PostgresOutboxTests/Fleet/keys`` keys (by the CLI,
    /// in batches of 100), and a receiver that takes 3 ms per request and counts overlaps per key.
    static func start(messages: Int) async throws -> FleetRun {
        let holder = LockedValue<FleetRun?>(nil)
        let receiver = try await RecordingReceiver.start { arrival, _ in
            holder.withLock { $0 }?.arrive(arrival.key)
            try? await Task.sleep(for: .milliseconds(3))
            holder.withLock { $0 }?.leave(arrival.key)
            return .ok
        }
        let fleet = FleetRun(url: try await PostgresTestServer.freshDatabase(), receiver: receiver, directory: try temporaryDirectory())
        holder.withLock { $0 = fleet }
        var left = messages
        while left > 0 {
            try await fleet.enqueue(count: min(100, left), tag: "b")
            left -= 100
        }
        return fleet
    }

    private func arrive(_ key: String) {
        state.withLock {
            if $0.holding[key, default: 0] > 0 { $0.overlaps += 1 }
            $0.holding[key, default: 0] += 1
        }
    }

    private func leave(_ key: String) { state.withLock { $0.holding[key, default: 0] -= 1 } }

    /// Enqueues `count` messages in one `triage outbox enqueue --from-file`; its ids are acknowledged
    /// only when it exits 0.
    func enqueue(count: Int, tag: String) async throws {
        let batch = state.withLock { state -> Int in
            defer { state.batches += 1 }
            return state.batches
        }
        let file = directory + "/batch\(batch).ndjson"
        let lines = (0..<count).map { "{\"key\": \"k\(($0 + batch) % PostgresOutboxTests.Fleet.keys)\", \"body\": \"\(tag)\(batch)-\($0)\"}" }
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
        let result = try await TriageChild.run(["outbox", "enqueue", "--postgres", url, "--to", receiver.url(), "--from-file", file])
        #expect(result.status == 0, "\(result.stderr)")
        if result.status == 0 {
            state.withLock { $0.acknowledged.formUnion(result.stdout.split(separator: "\n").map(String.init)) }
        }
    }

    func worker(lease: Int) throws -> TriageChild {
        try TriageChild(["outbox", "run", "--postgres", url, "--until-empty", "--concurrency", "4", "--lease", "\(lease)"])
    }

    /// The set check: every acknowledged message arrived, a duplicate only ever under its own identity,
    /// each key's first deliveries 1, 2, 3, … with no gap, the store empty; and no key's requests
    /// overlapped at the receiver, even where a server crash outlasts a lease (lease fencing).
    func check() async throws {
        let arrivals = receiver.arrivals
        let (acknowledged, overlaps) = state.withLock { ($0.acknowledged, $0.overlaps) }
        let delivered = Set(arrivals.map(\.idempotencyKey))
        let lost = acknowledged.subtracting(delivered)
        #expect(lost.isEmpty, "\(lost.count) acknowledged messages never arrived")
        var identity: [String: Set<String>] = [:]
        for arrival in arrivals { identity[arrival.idempotencyKey, default: []].insert("\(arrival.key)#\(arrival.seq)") }
        #expect(identity.values.allSatisfy { $0.count == 1 }, "a duplicate under a different identity")
        for (key, seqs) in firstDeliveries(arrivals) {
            #expect(seqs == Array(1...Int64(seqs.count)), "key \(key) first deliveries \(seqs)")
        }
        #expect(overlaps == 0, "\(overlaps) requests arrived while another of their key was in flight")
        let stats = try await TriageChild.run(["outbox", "stats", "--postgres", url, "--json"])
        #expect(stats.stdout.contains("\"pending\": 0, \"inflight\": 0, \"delivered\": \(acknowledged.count), \"dead\": 0"), "\(stats.stdout)")
        print("postgres fleet: \(acknowledged.count) messages, \(arrivals.count - delivered.count) duplicate deliveries, \(overlaps) overlaps")
        await receiver.shutdown()
    }
}
