import Triage
import Foundation
import Logging
import TriageOutbox
import TriageOutboxSQLite
import TriageTestSupport

/// The outbox part of `triage demo`: messages survive a SIGKILL of the process delivering them.
enum OutboxDemo {
    static let keys = 4
    static let perKey = 50

    /// Enqueues 200 messages over 4 keys, starts `triage outbox run` as a child, SIGKILLs it mid-run,
    /// starts it again with `--until-empty`, and shows what the receiver on 127.0.0.1 got. A few seconds.
    static func run() async throws {
        print("\nOutbox: \(keys * perKey) messages over \(keys) keys; the delivering process is SIGKILLed mid-run and restarted.")
        let arrivals = LockedValue<[(key: String, seq: Int64, idempotencyKey: String)]>([])
        let receiver = try await OutboxHTTPReceiver.start { request in
            try? await Task.sleep(for: .milliseconds(3))
            arrivals.withLock { $0.append((request.key ?? "", request.seq ?? 0, request.idempotencyKey ?? "")) }
            return .ok
        }
        let directory = NSTemporaryDirectory() + "triage-outbox-demo-\(OutboxIdentifier.make())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/outbox.sqlite"
        let logger = Logger(label: "triage.demo.outbox", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try await SQLiteOutboxStore.open(path: db, logger: logger)
        let messages = (0..<(keys * perKey)).map { OutboxMessage(key: "robot-\($0 % keys)", destination: receiver.url("/events"), text: "event \($0)") }
        _ = try await store.enqueue(messages, now: OutboxClock.system.now())
        await store.close()

        let executable = "/proc/self/exe"
        let first = try start(executable, ["outbox", "run", "--db", db, "--concurrency", "4"])
        let deadline = ContinuousClock.now + .seconds(5)
        while arrivals.withLock({ $0.count }) < 60, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        kill(first.processIdentifier, SIGKILL)
        await first.exited()
        let beforeKill = arrivals.withLock { $0.count }
        print("  SIGKILLed `triage outbox run` (pid \(first.processIdentifier)) after \(beforeKill) deliveries")
        let second = try start(executable, ["outbox", "run", "--db", db, "--concurrency", "4", "--until-empty"])
        await second.exited()
        await receiver.shutdown()

        let all = arrivals.withLock { $0 }
        var seen = Set<String>()
        var firstSeqs: [String: [Int64]] = [:]
        for arrival in all where seen.insert(arrival.idempotencyKey).inserted { firstSeqs[arrival.key, default: []].append(arrival.seq) }
        let inOrder = firstSeqs.values.allSatisfy { $0 == Array(1...Int64($0.count)) }
        print("  restarted it: \(seen.count)/\(messages.count) distinct messages delivered, \(all.count - seen.count) resent after the kill "
              + "(same idempotency key), per-key order \(inOrder ? "kept" : "BROKEN"), exit \(second.terminationStatus)")
        if seen.count != messages.count || !inOrder { throw OutboxCommandFailure("the outbox demo lost or reordered messages") }
    }

    private static func start(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
