import Triage
import Foundation
import Logging
import TriageOutbox
import TriageOutboxSQLite

/// A fresh directory under the system's temporary directory, for one test's store files.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "triage-outbox-\(OutboxIdentifier.make())"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A logger that drops everything (tests bootstrap no logging system).
let quietLogger = Logger(label: "triage.outbox.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Opens a store in a new temporary directory.
func openTemporaryStore() async throws -> SQLiteOutboxStore {
    try await SQLiteOutboxStore.open(path: try temporaryDirectory() + "/outbox.sqlite", logger: quietLogger)
}

/// Polls `condition` every 10 ms until it holds or `limit` passes; a safety net, not a timing assertion.
func eventually(_ limit: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A loopback receiver that records every request it gets and answers as ``respond`` says.
final class RecordingReceiver: Sendable {
    struct Arrival: Sendable, Hashable {
        var key: String
        var seq: Int64
        var idempotencyKey: String
        var body: String
    }

    let server: OutboxHTTPReceiver
    private let log = LockedValue<[Arrival]>([])
    private let policy: LockedValue<@Sendable (Arrival, Int) async -> OutboxHTTPReceiver.Response>

    private init(server: OutboxHTTPReceiver, policy: @escaping @Sendable (Arrival, Int) async -> OutboxHTTPReceiver.Response) {
        self.server = server
        self.policy = LockedValue(policy)
    }

    /// `respond(arrival, n)` answers the n-th request (from 1); default 200.
    static func start(port: Int = 0,
                      respond: @escaping @Sendable (Arrival, Int) async -> OutboxHTTPReceiver.Response = { _, _ in .ok }) async throws -> RecordingReceiver {
        let box = Box()
        let server = try await OutboxHTTPReceiver.start(port: port) { request in
            guard let receiver = box.receiver.withLock({ $0 }) else { return OutboxHTTPReceiver.Response(status: 503) }
            return await receiver.handle(request)
        }
        let receiver = RecordingReceiver(server: server, policy: respond)
        box.receiver.withLock { $0 = receiver }
        return receiver
    }

    private final class Box: Sendable { let receiver = LockedValue<RecordingReceiver?>(nil) }

    private func handle(_ request: OutboxHTTPReceiver.Request) async -> OutboxHTTPReceiver.Response {
        let arrival = Arrival(key: request.key ?? "", seq: request.seq ?? -1, idempotencyKey: request.idempotencyKey ?? "",
                              body: String(decoding: request.body, as: UTF8.self))
        let number = log.withLock { log in
            log.append(arrival)
            return log.count
        }
        let respond = policy.withLock { $0 }
        return await respond(arrival, number)
    }

    func url(_ path: String = "/in") -> String { server.url(path) }
    var arrivals: [Arrival] { log.withLock { $0 } }
    func answer(with respond: @escaping @Sendable (Arrival, Int) async -> OutboxHTTPReceiver.Response) {
        policy.withLock { $0 = respond }
    }
    func shutdown() async { await server.shutdown() }
}

/// The first arrival of every idempotency key, in arrival order, grouped by key: what the set check reads.
func firstDeliveries(_ arrivals: [RecordingReceiver.Arrival]) -> [String: [Int64]] {
    var seen = Set<String>()
    var result: [String: [Int64]] = [:]
    for arrival in arrivals where seen.insert(arrival.idempotencyKey).inserted {
        result[arrival.key, default: []].append(arrival.seq)
    }
    return result
}
