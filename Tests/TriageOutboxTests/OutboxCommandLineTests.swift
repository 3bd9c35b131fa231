import Foundation
import Testing
import TriageOutbox
import TriageOutboxSQLite

/// `triage outbox` as outside checks drive it: exit statuses, output formats, SIGKILL and restart.
@Suite("triage outbox", .enabled(if: TriageChild.isBuilt, "needs the built triage binary"))
struct OutboxCommandLineTests {
    @Test("bad usage exits 2 and enqueues nothing: a malformed URL, a port above 65535, a malformed NDJSON line named by number")
    func badUsage() async throws {
        let db = try temporaryDirectory() + "/o.sqlite"
        let badURL = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", "not a url", "-d", "x"])
        #expect(badURL.status == 2, "\(badURL.stderr)")
        // Accepted before, it crashed every later `run` (AsyncHTTPClient traps on a port above 65535).
        let badPort = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", "http://127.0.0.1:99999/x", "-d", "x"])
        #expect(badPort.status == 2, "\(badPort.stderr)")
        let file = try temporaryDirectory() + "/in.ndjson"
        try Data("{\"key\": \"a\", \"body\": \"1\"}\n{\"key\": \"a\", \"body\": 2}\n".utf8).write(to: URL(fileURLWithPath: file))
        let badLine = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", "http://127.0.0.1:9/", "--from-file", file])
        #expect(badLine.status == 2)
        #expect(badLine.stderr.contains("line 2"), "\(badLine.stderr)")
        // A header-breaking idempotency key was stored, then dead-lettered at delivery.
        let injected = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", "http://127.0.0.1:9/", "--idempotency-key", "a\r\nInjected: 1", "-d", "x"])
        #expect(injected.status == 2, "\(injected.stderr)")
        try Data("{\"idempotency_key\": \"a\\nb\", \"body\": \"1\"}\n".utf8).write(to: URL(fileURLWithPath: file))
        let injectedLine = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", "http://127.0.0.1:9/", "--from-file", file])
        #expect(injectedLine.status == 2, "\(injectedLine.stderr)")
        // A line longer than the store's bound (256 MiB) is refused while it is read: it was read whole,
        // about 1.9 GB for a 300 MB line, before the batch was refused.
        var huge = Data("{\"body\": \"".utf8)
        huge.append(Data(repeating: UInt8(ascii: "a"), count: (256 << 20) + (1 << 20)))
        huge.append(Data("\"}\n".utf8))
        try huge.write(to: URL(fileURLWithPath: file))
        huge = Data()
        let hugeLine = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", "http://127.0.0.1:9/", "--from-file", file])
        try FileManager.default.removeItem(atPath: file)
        #expect(hugeLine.status == 1, "\(hugeLine.stderr)")
        #expect(hugeLine.stderr.contains("line 1 is longer than 268435456 bytes"), "\(hugeLine.stderr)")
        // SQLite opens "" as a temporary database: the message would be acknowledged, then gone.
        let noFile = try await TriageChild.run(["outbox", "enqueue", "--db", "", "--to", "http://127.0.0.1:9/", "-d", "x"])
        #expect(noFile.status == 2, "\(noFile.stderr)")
        let stats = try await TriageChild.run(["outbox", "stats", "--db", db, "--json"])
        #expect(stats.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{\"pending\": 0, \"inflight\": 0, \"delivered\": 0, \"dead\": 0}")
    }

    @Test("enqueue prints ids, run --until-empty delivers them in order, stats and dead print the contract's JSON")
    func enqueueRunStatsDead() async throws {
        let receiver = try await RecordingReceiver.start { arrival, _ in
            arrival.body == "reject" ? .init(status: 422) : .ok
        }
        let db = try temporaryDirectory() + "/o.sqlite"
        let file = try temporaryDirectory() + "/in.ndjson"
        let lines = (1...5).map { "{\"key\": \"robot\", \"idempotency_key\": \"r-\($0)\", \"body\": \"\($0 == 3 ? "reject" : "m\($0)")\"}" }
        // CRLF line ends too (a Swift String split on "\n" missed them: "\r\n" is one Character).
        try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: file))
        let batch = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", receiver.url(), "--from-file", file])
        #expect(batch.status == 0, "\(batch.stderr)")
        let ids = batch.stdout.split(separator: "\n").map(String.init)
        #expect(ids.count == 5)
        let single = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", receiver.url(), "-d", "solo"])
        #expect(single.status == 0)
        let run = try await TriageChild.run(["outbox", "run", "--db", db, "--until-empty"])
        #expect(run.status == 0, "\(run.stderr)")
        let robot = receiver.arrivals.filter { $0.key == "robot" }
        #expect(robot.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(robot.map(\.idempotencyKey) == (1...5).map { "r-\($0)" })
        #expect(receiver.arrivals.first { $0.key == "default" }?.body == "solo")
        let stats = try await TriageChild.run(["outbox", "stats", "--db", db, "--json"])
        #expect(stats.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{\"pending\": 0, \"inflight\": 0, \"delivered\": 5, \"dead\": 1}")
        let dead = try await TriageChild.run(["outbox", "dead", "--db", db, "--json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(dead.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.count == 1)
        #expect(parsed.first?["id"] as? String == ids[2])
        #expect(parsed.first?["key"] as? String == "robot")
        #expect(parsed.first?["seq"] as? Int == 3)
        #expect(parsed.first?["idempotency_key"] as? String == "r-3")
        #expect(parsed.first?["attempts"] as? Int == 1)
        #expect(parsed.first?["kind"] as? String == "http.invalid")
        #expect(parsed.first?["status"] as? Int == 422)
        #expect((parsed.first?["reason"] as? String)?.isEmpty == false)
        await receiver.shutdown()
    }

    @Test("a run SIGKILLed mid-delivery loses nothing: the next run reclaims its claims at once, not after the 60 s lease")
    func killedRunIsReclaimedAtOnce() async throws {
        let receiver = try await RecordingReceiver.start { _, number in
            if number == 1 { try? await Task.sleep(for: .seconds(30)) }
            return .ok
        }
        let db = try temporaryDirectory() + "/o.sqlite"
        let enqueue = try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", receiver.url(), "--key", "k", "-d", "first"])
        #expect(enqueue.status == 0)
        let doomed = try TriageChild(["outbox", "run", "--db", db, "--lease", "60"])
        #expect(await eventually { receiver.arrivals.count == 1 })
        doomed.kill()
        let killed = await doomed.wait()
        #expect(killed.reason == .uncaughtSignal)
        let stats = try await TriageChild.run(["outbox", "stats", "--db", db, "--json"])
        #expect(stats.stdout.contains("\"inflight\": 1"), "the dead run's claim is still leased: \(stats.stdout)")
        let started = ContinuousClock.now
        let next = try await TriageChild.run(["outbox", "run", "--db", db, "--lease", "60", "--until-empty"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(ContinuousClock.now - started < .seconds(30), "reclaimed at once, not when the lease ended")
        #expect(receiver.arrivals.count == 2)
        #expect(Set(receiver.arrivals.map(\.idempotencyKey)).count == 1)
        await receiver.shutdown()
    }

    @Test("SIGTERM stops run gracefully: exit 0, the unfinished message released, not left in flight")
    func sigtermIsGraceful() async throws {
        let receiver = try await RecordingReceiver.start { _, number in
            if number == 1 { try? await Task.sleep(for: .seconds(30)) }
            return .ok
        }
        let db = try temporaryDirectory() + "/o.sqlite"
        #expect(try await TriageChild.run(["outbox", "enqueue", "--db", db, "--to", receiver.url(), "-d", "m"]).status == 0)
        let child = try TriageChild(["outbox", "run", "--db", db])
        #expect(await eventually { receiver.arrivals.count == 1 })
        _ = kill(child.process.processIdentifier, SIGTERM)
        let exit = await child.wait()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit.stderr)")
        let stats = try await TriageChild.run(["outbox", "stats", "--db", db, "--json"])
        #expect(stats.stdout.contains("\"pending\": 1, \"inflight\": 0"), "\(stats.stdout)")
        await receiver.shutdown()
    }
}
