import ArgumentParser
import Foundation
import Logging
import NIOCore
import SQLiteNIO
import Synchronization
import TriageOutbox
import TriageOutboxPostgres
import TriageOutboxSQLite

/// `triage bench outbox`: durable enqueue throughput (group commit vs one transaction per message) and
/// end-to-end delivery rate (vs the receiver's own rate from a plain client), each beside its baseline
/// measured in the same run.
struct BenchOutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Outbox enqueue throughput and end-to-end delivery rate, beside raw baselines (use -c release)."
    )

    @Option(help: "Concurrent producers for the enqueue throughput.")
    var producers = 64

    @Option(help: "Messages per producer.")
    var perProducer = 50

    @Option(help: "Messages for each run of the end-to-end delivery rate.")
    var messages = 5000

    @Option(help: "Pairs of end-to-end runs (plain client, outbox), order swapped every pair; the median per-pair ratio is reported.")
    var pairs = 5

    @Option(help: "Single enqueues timed for the latency.")
    var samples = 50

    @Option(help: "Also measure PostgreSQL fleet delivery (1 vs 4 workers) on this server; the user must be allowed to create databases.")
    var postgres: String?

    @Option(help: "Messages for the PostgreSQL fleet delivery.")
    var postgresMessages = 2000

    @Option(help: "Milliseconds the receiver takes to answer in the PostgreSQL fleet delivery.")
    var receiverDelay = 20

    @Option(help: "Messages in flight at once per PostgreSQL worker.")
    var workerConcurrency = 8

    @Flag(help: "Only the PostgreSQL fleet delivery.")
    var onlyPostgres = false

    @Option(help: "Only this side of the end-to-end runs (plain, outbox, or accepting: the outbox to a transport that accepts at once), --pairs times, nothing else: for profiling one side.")
    var onlySide: BenchOutboxDelivery.Side?

    func validate() throws {
        guard (1...1024).contains(producers), (1...100_000).contains(perProducer) else { throw ValidationError("--producers 1…1024, --per-producer 1…100000") }
        guard (100...1_000_000).contains(messages), (5...10_000).contains(samples), (1...100).contains(pairs) else {
            throw ValidationError("--messages 100…1000000, --samples 5…10000, --pairs 1…100")
        }
        guard (100...1_000_000).contains(postgresMessages), (0...10_000).contains(receiverDelay), (1...1024).contains(workerConcurrency) else {
            throw ValidationError("--postgres-messages 100…1000000, --receiver-delay 0…10000, --worker-concurrency 1…1024")
        }
        if let postgres {
            do { _ = try PostgresOutboxURL(postgres) } catch { throw ValidationError("--postgres: \(error.message)") }
        }
        guard !onlyPostgres || postgres != nil else { throw ValidationError("--only-postgres needs --postgres URL") }
        guard onlySide == nil || postgres == nil else { throw ValidationError("--only-side runs nothing else: not with --postgres") }
    }

    func run() async throws {
        let directory = NSTemporaryDirectory() + "triage-bench-outbox-\(OutboxIdentifier.make())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "triage.bench.outbox", factory: { _ in SwiftLogNoOpLogHandler() })
        if let onlySide {
            for run in try await BenchOutboxDelivery.runs(of: onlySide, path: directory + "/side.sqlite", messages: messages,
                                                          count: pairs, logger: logger) {
                print(String(format: "%@ only, %ld messages: %8.0f per second   CPU %.0f us each   (%ld transactions, %ld writes)",
                             onlySide.rawValue, messages, run.rate, run.cpu, run.transactions, run.writes))
            }
            return
        }
        if !onlyPostgres { try await sqlite(directory: directory, logger: logger) }
        if let postgres { try await fleet(url: try PostgresOutboxURL(postgres), logger: logger) }
    }

    /// 1 worker, then 4, on the same number of messages; the ratio and the double claims of each.
    private func fleet(url: PostgresOutboxURL, logger: Logger) async throws {
        let delay = Duration.milliseconds(receiverDelay)
        let one = try await BenchOutboxPostgres.run(url: url, workers: 1, messages: postgresMessages, concurrency: workerConcurrency,
                                                    receiverDelay: delay, logger: logger)
        let four = try await BenchOutboxPostgres.run(url: url, workers: 4, messages: postgresMessages, concurrency: workerConcurrency,
                                                     receiverDelay: delay, logger: logger)
        print("PostgreSQL fleet, \(postgresMessages) messages over 64 keys, concurrency \(workerConcurrency) per worker, receiver answers after \(receiverDelay) ms:")
        print(String(format: "  1 worker:   %8.0f msg/s   double claims %ld", one.rate, one.doubleClaims))
        print(String(format: "  4 workers:  %8.0f msg/s   double claims %ld   %.2fx one worker", four.rate, four.doubleClaims, four.rate / one.rate))
    }

    private func sqlite(directory: String, logger: Logger) async throws {
        let total = producers * perProducer

        let raw = try await BenchOutboxRaw.oneTransactionEach(path: directory + "/raw.sqlite", count: min(total, 400), samples: samples)
        let enqueue = try await BenchOutboxEnqueue.run(path: directory + "/group.sqlite", producers: producers,
                                                       perProducer: perProducer, samples: samples, logger: logger)
        print("enqueue, \(producers) producers x \(perProducer) messages (SQLite WAL, synchronous=FULL):")
        print(String(format: "  raw sqlite-nio, one transaction per message: %9.0f msg/s   CPU %.0f us/message   (commit latency median %.2f ms)",
                     raw.rate, raw.cpuMicroseconds, raw.medianMilliseconds))
        print(String(format: "  Outbox.enqueue, group commit:                %9.0f msg/s   CPU %.0f us/message   %.1fx raw   (%ld transactions for %ld messages)",
                     enqueue.rate, enqueue.cpuMicroseconds, enqueue.rate / raw.rate, enqueue.transactions, total))
        print(String(format: "  single enqueue latency median %.2f ms = %.2f raw commits", enqueue.singleMedianMilliseconds,
                     enqueue.singleMedianMilliseconds / raw.medianMilliseconds))

        let delivery = try await BenchOutboxDelivery.run(path: directory + "/e2e.sqlite", messages: messages, pairs: pairs, logger: logger)
        print("end to end, \(messages) messages over 64 keys, concurrency 16, loopback receiver, \(pairs) pairs (order swapped every pair):")
        for (index, pair) in delivery.pairs.enumerated() {
            print(String(format: "  pair %ld: plain %8.0f req/s  CPU %.0f us   outbox %8.0f msg/s  CPU %.0f us   ratio %.2f   (%ld transactions, %ld writes)",
                         index + 1, pair.plain, pair.plainCPU, pair.outbox, pair.outboxCPU, pair.ratio, pair.transactions, pair.writes))
        }
        print(String(format: "  plain client POSTs (16 at once):  %8.0f req/s   CPU %.0f us/request   (medians of the pairs)",
                     delivery.median(\.plain), delivery.median(\.plainCPU)))
        print(String(format: "  outbox delivered:                 %8.0f msg/s   %.2f of the plain rate (median per-pair ratio)   CPU %.0f us/message (plain/outbox CPU %.2f)",
                     delivery.median(\.outbox), delivery.median(\.ratio), delivery.median(\.outboxCPU),
                     delivery.median { $0.plainCPU / $0.outboxCPU }))
        print(String(format: "  outbox to a transport that accepts at once: %8.0f msg/s   CPU %.0f us/message   (the store's own ceiling)",
                     delivery.storeOnly, delivery.storeOnlyCPU))
    }
}

/// The baseline: sqlite-nio inserts with the store's pragmas, each in its own transaction.
enum BenchOutboxRaw {
    static func oneTransactionEach(path: String, count: Int, samples: Int) async throws
        -> (rate: Double, medianMilliseconds: Double, cpuMicroseconds: Double) {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await connection.query("PRAGMA busy_timeout = 5000")
        _ = try await connection.query("PRAGMA journal_mode = WAL")
        _ = try await connection.query("PRAGMA synchronous = FULL")
        _ = try await connection.query("CREATE TABLE m (id TEXT PRIMARY KEY, key TEXT, payload BLOB)")
        var latencies: [Double] = []
        let started = ContinuousClock.now
        let cpuStart = BenchHandlersCommand.processCPUTime()
        for n in 0..<count {
            let one = ContinuousClock.now
            _ = try await connection.query("BEGIN IMMEDIATE")
            _ = try await connection.query("INSERT INTO m VALUES (?1, ?2, ?3)",
                                           [.text(OutboxIdentifier.make()), .text("k\(n % 64)"), .blob(ByteBuffer(string: "payload \(n)"))])
            _ = try await connection.query("COMMIT")
            latencies.append((ContinuousClock.now - one).milliseconds)
        }
        let elapsed = (ContinuousClock.now - started).milliseconds / 1000
        let cpu = (BenchHandlersCommand.processCPUTime() - cpuStart) * 1e6 / Double(count)
        try await connection.close()
        return (Double(count) / elapsed, latencies.sorted()[latencies.count / 2], cpu)
    }
}

/// Outbox enqueues from many producers at once (group commit), and single enqueues one at a time.
enum BenchOutboxEnqueue {
    static func run(path: String, producers: Int, perProducer: Int, samples: Int, logger: Logger) async throws
        -> (rate: Double, transactions: Int, singleMedianMilliseconds: Double, cpuMicroseconds: Double) {
        let store = try await SQLiteOutboxStore.open(path: path, logger: logger)
        let outbox = Outbox(store: store, logger: logger)
        var singles: [Double] = []
        for n in 0..<samples {
            let one = ContinuousClock.now
            try await outbox.enqueue(OutboxMessage(key: "single", destination: "http://127.0.0.1:9/", text: "s\(n)"))
            singles.append((ContinuousClock.now - one).milliseconds)
        }
        let before = store.commitCounts.transactions
        let started = ContinuousClock.now
        let cpuStart = BenchHandlersCommand.processCPUTime()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for n in 0..<perProducer {
                        try await outbox.enqueue(OutboxMessage(key: "p\(producer)", destination: "http://127.0.0.1:9/", text: "payload \(n)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = (ContinuousClock.now - started).milliseconds / 1000
        let cpu = (BenchHandlersCommand.processCPUTime() - cpuStart) * 1e6 / Double(producers * perProducer)
        let transactions = store.commitCounts.transactions - before
        await store.close()
        return (Double(producers * perProducer) / elapsed, transactions, singles.sorted()[singles.count / 2], cpu)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
