import Foundation
import Logging
import PostgresNIO
import Triage
import TriageOutbox
import TriageOutboxPostgres

/// Fleet delivery on PostgreSQL: the same messages delivered by 1 worker and by 4, each worker an
/// `Outbox` with its own `PostgresClient` (as a process of its own would have), to one loopback receiver
/// that answers after `receiverDelay` (a remote service's latency: what a worker's concurrency is
/// spent waiting on). Each run gets a database of its own, dropped afterwards.
enum BenchOutboxPostgres {
    struct Measure {
        var workers: Int
        var rate: Double
        /// Requests that arrived while another of their key was in flight, plus messages that arrived
        /// more than once: each is a claim two workers held at once.
        var doubleClaims: Int
    }

    static func run(url: PostgresOutboxURL, workers: Int, messages: Int, concurrency: Int, receiverDelay: Duration,
                    logger: Logger) async throws -> Measure {
        let database = "triage_bench_" + OutboxIdentifier.make().prefix(12)
        try await admin(url) { try await $0.query("CREATE DATABASE \(unescaped: database)", logger: logger) }
        var benchURL = url
        benchURL.database = database
        do {
            let measure = try await measure(url: benchURL, workers: workers, messages: messages, concurrency: concurrency,
                                            receiverDelay: receiverDelay, logger: logger)
            try await admin(url) { try await $0.query("DROP DATABASE \(unescaped: database) WITH (FORCE)", logger: logger) }
            return measure
        } catch {
            try? await admin(url) { try await $0.query("DROP DATABASE \(unescaped: database) WITH (FORCE)", logger: logger) }
            throw error
        }
    }

    private static func measure(url benchURL: PostgresOutboxURL, workers: Int, messages: Int, concurrency: Int,
                                receiverDelay: Duration, logger: Logger) async throws -> Measure {

        let ledger = LockedValue(Ledger())
        let receiver = try await OutboxHTTPReceiver.start { request in
            let key = request.key ?? ""
            ledger.withLock { $0.arrive(key: key, idempotencyKey: request.idempotencyKey ?? "") }
            try? await Task.sleep(for: receiverDelay)
            ledger.withLock { $0.leave(key: key) }
            return .ok
        }
        try await PostgresOutboxStore.withStore(url: benchURL, logger: logger) { store in
            let batch = (0..<messages).map { OutboxMessage(key: "k\($0 % 64)", destination: receiver.url("/in"), text: "payload \($0)") }
            _ = try await store.enqueue(batch, now: OutboxClock.system.now())
        }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask { try await deliver(url: benchURL, concurrency: concurrency, logger: logger) }
            }
            try await group.waitForAll()
        }
        let elapsed = (ContinuousClock.now - started).milliseconds / 1000
        await receiver.shutdown()
        let result = ledger.withLock { $0 }
        guard result.unique == messages else {
            throw OutboxCommandFailure("the PostgreSQL bench delivered \(result.unique) of \(messages) messages")
        }
        return Measure(workers: workers, rate: Double(messages) / elapsed, doubleClaims: result.overlaps + result.duplicates)
    }

    /// One worker: a client, a store and an outbox, delivering until the store is empty.
    private static func deliver(url: PostgresOutboxURL, concurrency: Int, logger: Logger) async throws {
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        let store = PostgresOutboxStore(client: client, endpoint: url.endpoint, logger: logger)
        var configuration = OutboxConfiguration.defaults
        configuration.concurrency = concurrency
        let outbox = Outbox(store: store, configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await store.prepare()
            try await HTTPOutboxTransport.withTransport(logger: logger) { try await outbox.run(transport: $0, untilEmpty: true) }
        }
    }

    /// Runs `body` on a connection of its own to `url`'s database (which must let the user create databases).
    private static func admin(_ url: PostgresOutboxURL, _ body: (PostgresConnection) async throws -> Void) async throws {
        let quiet = Logger(label: "triage.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: quiet)
        do {
            try await body(connection)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    struct Ledger {
        var holding: [String: Int] = [:]
        var seen: Set<String> = []
        var overlaps = 0
        var duplicates = 0
        var unique: Int { seen.count }

        mutating func arrive(key: String, idempotencyKey: String) {
            if holding[key, default: 0] > 0 { overlaps += 1 }
            holding[key, default: 0] += 1
            if !seen.insert(idempotencyKey).inserted { duplicates += 1 }
        }

        mutating func leave(key: String) { holding[key, default: 0] -= 1 }
    }
}
