import Foundation
import Testing
import TriageOutbox
import TriageOutboxSQLite
import TriageTestKit

/// Real `triage outbox run` processes SIGKILLed at random moments and at injected points, checked as
/// Jepsen's set check: every acknowledged enqueue delivered at least once, duplicates only of one
/// idempotency key, per key the first deliveries in order with no gap, nothing left but dead letters.
@Suite("Outbox crash loop", .enabled(if: TriageChild.isBuilt, "needs the built triage binary"))
struct OutboxCrashLoopTests {
    static let rounds = 50
    static let keys = 8

    @Test("50 rounds of SIGKILL lose nothing and keep per-key order")
    func crashLoop() async throws {
        let receiver = try await RecordingReceiver.start { _, _ in
            try? await Task.sleep(for: .milliseconds(2))
            return .ok
        }
        let directory = try temporaryDirectory()
        let db = directory + "/o.sqlite"
        var acknowledged = Set<String>()
        let seed = UInt64.random(in: 1...UInt64.max)
        var random = SeededRandom(seed: seed)
        let store = try await SQLiteOutboxStore.open(path: db, logger: quietLogger)
        let seeded = (0..<(Self.keys * 25)).map { n in OutboxMessage(key: "k\(n % Self.keys)", destination: receiver.url(), text: "s\(n)") }
        for id in try await store.enqueue(seeded, now: OutboxClock.system.now()) { acknowledged.insert(id) }
        await store.close()
        let points = ["afterClaim", "afterSend", "beforeMarkDelivered"]
        var diedAtInjectedPoint = 0
        for round in 0..<Self.rounds {
            if round % 2 == 0 {
                let file = directory + "/round\(round).ndjson"
                let lines = (0..<4).map { "{\"key\": \"k\(($0 + round) % Self.keys)\", \"body\": \"r\(round)-\($0)\"}" }
                try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
                let enqueue = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", receiver.url(), "--from-file", file])
                #expect(enqueue.status == 0, "round \(round): \(enqueue.stderr)")
                if enqueue.status == 0 {
                    for id in enqueue.stdout.split(separator: "\n") { acknowledged.insert(String(id)) }
                }
            }
            var environment: [String: String] = [:]
            if round % 3 != 0 {
                environment["TRIAGE_OUTBOX_CRASH"] = "\(points.randomElement(using: &random)!):0.08"
            }
            let arrivedBefore = receiver.arrivals.count
            let child = try TriageChild(["outbox", "run", "--db", db, "--concurrency", "4", "--lease", "30"], environment: environment)
            // Killed at a random moment once it delivers: on a loaded machine a child's start alone can
            // take longer than the random wait, and a child killed before it claimed anything tests nothing.
            _ = await eventually(.seconds(3)) { receiver.arrivals.count > arrivedBefore || !child.process.isRunning }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...200, using: &random)))
            if !child.process.isRunning { diedAtInjectedPoint += 1 }
            child.kill()
            let exit = await child.wait()
            #expect(exit.reason == .uncaughtSignal || exit.status == 0, "round \(round): \(exit.stderr)")
        }
        let final = try await TriageChild.run(["outbox", "run", "--db", db, "--until-empty", "--concurrency", "4"])
        #expect(final.status == 0, "\(final.stderr)")

        let arrivals = receiver.arrivals
        let delivered = Set(arrivals.map(\.idempotencyKey))
        let lost = acknowledged.filter { !delivered.contains($0) }
        #expect(lost.isEmpty, "seed \(seed): \(lost.count) acknowledged messages never arrived")
        var identity: [String: Set<String>] = [:]
        for arrival in arrivals { identity[arrival.idempotencyKey, default: []].insert("\(arrival.key)#\(arrival.seq)") }
        #expect(identity.values.allSatisfy { $0.count == 1 }, "seed \(seed): a duplicate under a different identity")
        for (key, seqs) in firstDeliveries(arrivals) {
            #expect(seqs == Array(1...Int64(seqs.count)), "seed \(seed): key \(key) first deliveries \(seqs)")
        }
        let stats = try await TriageChild.run(["outbox", "stats", "--db", db, "--json"])
        #expect(stats.stdout.contains("\"pending\": 0, \"inflight\": 0, \"delivered\": \(acknowledged.count), \"dead\": 0"), "\(stats.stdout)")
        let duplicates = arrivals.count - delivered.count
        #expect(diedAtInjectedPoint > 0, "no run died at an injected point")
        print("crash loop: \(Self.rounds) rounds, \(acknowledged.count) messages, \(diedAtInjectedPoint) runs killed at an injected point, "
              + "\(duplicates) duplicate deliveries, seed \(seed)")
        await receiver.shutdown()
    }
}
