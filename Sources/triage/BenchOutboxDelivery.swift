import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import TriageOutbox
import TriageOutboxSQLite

/// End-to-end delivery: the same loopback receiver driven by a plain AsyncHTTPClient (16 requests at
/// once) and by the outbox (concurrency 16, 64 keys), in pairs of runs whose order swaps every pair, so
/// that load from elsewhere falls on both sides alike; the median of the per-pair ratios is the figure.
enum BenchOutboxDelivery {
    /// One pair of runs, plain client and outbox, on the same number of messages.
    struct Pair {
        var plain: Double
        var outbox: Double
        /// Process CPU (this process runs the receiver too) per request of the plain client and per
        /// message of the outbox, in microseconds: which side needs the cores, on a loaded machine.
        var plainCPU: Double
        var outboxCPU: Double
        /// Transactions the store committed while the outbox delivered, and the writes (claims, marks,
        /// ...) they carried.
        var transactions: Int
        var writes: Int

        var ratio: Double { outbox / plain }
    }

    struct Rates {
        var pairs: [Pair]
        /// The outbox delivering the same messages to a transport that accepts each at once: the
        /// store's and the delivery loop's own ceiling.
        var storeOnly: Double
        /// Process CPU per message of that run, in microseconds.
        var storeOnlyCPU: Double

        /// The median of `value` over the pairs (the upper one of an even count).
        func median(_ value: (Pair) -> Double) -> Double {
            let values = pairs.map(value).sorted()
            return values[values.count / 2]
        }
    }

    /// One side of the pairs (or the outbox to ``AcceptingTransport``), run `count` times against one
    /// receiver.
    enum Side: String, ExpressibleByArgument, Sendable {
        case plain, outbox, accepting
    }

    /// One run of a side: its rate, process CPU per message in microseconds, and for the outbox the
    /// store's transactions and writes.
    struct SideRun {
        var rate: Double
        var cpu: Double
        var transactions = 0
        var writes = 0
    }

    static func runs(of side: Side, path: String, messages: Int, count: Int, logger: Logger) async throws -> [SideRun] {
        let receiver = try await OutboxHTTPReceiver.start { _ in .ok }
        var results: [SideRun] = []
        do {
            for index in 0..<count {
                let cpuStart = BenchHandlersCommand.processCPUTime()
                var run = SideRun(rate: 0, cpu: 0)
                switch side {
                case .plain: run.rate = try await plain(url: receiver.url("/in"), requests: messages)
                case .outbox:
                    (run.rate, run.transactions, run.writes) = try await HTTPOutboxTransport.withTransport { transport in
                        try await deliver(messages: messages, to: receiver.url("/in"), path: path + "-\(index)", through: transport, logger: logger)
                    }
                case .accepting:
                    (run.rate, run.transactions, run.writes) = try await deliver(messages: messages, to: receiver.url("/in"), path: path + "-\(index)",
                                                                                 through: AcceptingTransport(), logger: logger)
                }
                run.cpu = (BenchHandlersCommand.processCPUTime() - cpuStart) * 1e6 / Double(messages)
                results.append(run)
            }
        } catch {
            await receiver.shutdown()
            throw error
        }
        await receiver.shutdown()
        return results
    }

    static func run(path: String, messages: Int, pairs: Int, logger: Logger) async throws -> Rates {
        let received = Atomic<Int>(0)
        let receiver = try await OutboxHTTPReceiver.start { _ in
            received.add(1, ordering: .relaxed)
            return .ok
        }
        var results: [Pair] = []
        do {
            for index in 0..<pairs {
                var pair = Pair(plain: 0, outbox: 0, plainCPU: 0, outboxCPU: 0, transactions: 0, writes: 0)
                for plainFirst in index % 2 == 0 ? [true, false] : [false, true] {
                    let cpuStart = BenchHandlersCommand.processCPUTime()
                    if plainFirst {
                        pair.plain = try await plain(url: receiver.url("/in"), requests: messages)
                        pair.plainCPU = (BenchHandlersCommand.processCPUTime() - cpuStart) * 1e6 / Double(messages)
                    } else {
                        // A client of its own per run, as the plain client has.
                        let outbox = try await HTTPOutboxTransport.withTransport { transport in
                            try await deliver(messages: messages, to: receiver.url("/in"), path: path + "-\(index)",
                                              through: transport, logger: logger)
                        }
                        // The enqueue of the batch is inside: a small share, one transaction for all of them.
                        pair.outboxCPU = (BenchHandlersCommand.processCPUTime() - cpuStart) * 1e6 / Double(messages)
                        (pair.outbox, pair.transactions, pair.writes) = outbox
                    }
                }
                results.append(pair)
            }
        } catch {
            await receiver.shutdown()
            throw error
        }
        await receiver.shutdown()
        let storeOnlyStart = BenchHandlersCommand.processCPUTime()
        let storeOnly = try await deliver(messages: messages, to: "http://127.0.0.1:9/", path: path + "-null", through: AcceptingTransport(),
                                          logger: logger)
        let storeOnlyCPU = (BenchHandlersCommand.processCPUTime() - storeOnlyStart) * 1e6 / Double(messages)
        return Rates(pairs: results, storeOnly: storeOnly.rate, storeOnlyCPU: storeOnlyCPU)
    }

    /// Enqueues `messages` over 64 keys in one batch, then times `Outbox.run` (concurrency 16) until
    /// they are all delivered.
    static func deliver(messages: Int, to url: String, path: String, through transport: some OutboxTransport,
                        logger: Logger) async throws -> (rate: Double, transactions: Int, writes: Int) {
        let store = try await SQLiteOutboxStore.open(path: path, logger: logger)
        var batch: [OutboxMessage] = []
        for n in 0..<messages { batch.append(OutboxMessage(key: "k\(n % 64)", destination: url, text: "payload \(n)")) }
        _ = try await store.enqueue(batch, now: OutboxClock.system.now())
        var configuration = OutboxConfiguration.defaults
        configuration.concurrency = 16
        let outbox = Outbox(store: store, configuration: configuration, logger: logger)
        let before = store.commitCounts
        let started = ContinuousClock.now
        try await outbox.run(transport: transport, untilEmpty: true)
        let rate = Double(messages) / ((ContinuousClock.now - started).milliseconds / 1000)
        let after = store.commitCounts
        await store.close()
        return (rate, after.transactions - before.transactions, after.writes - before.writes)
    }

    /// POSTs `requests` requests, 16 at a time, with the same headers the outbox sends.
    static func plain(url: String, requests: Int) async throws -> Double {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let next = BenchCounter()
        let started = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        while true {
                            let n = next.value.add(1, ordering: .relaxed).newValue
                            if n > requests { return }
                            var request = HTTPClientRequest(url: url)
                            request.method = .POST
                            request.headers.add(name: "Idempotency-Key", value: OutboxIdentifier.make())
                            request.headers.add(name: "Triage-Outbox-Key", value: "k\(n % 64)")
                            request.headers.add(name: "Triage-Outbox-Seq", value: "\(n)")
                            request.body = .bytes(Array("payload \(n)".utf8))
                            let response = try await client.execute(request, timeout: .seconds(10))
                            _ = try await response.body.collect(upTo: 1 << 16)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return Double(requests) / ((ContinuousClock.now - started).milliseconds / 1000)
    }
}

/// Accepts every message at once.
struct AcceptingTransport: OutboxTransport {
    func send(_ message: OutboxRecord) async throws {}
}

/// A counter the producer tasks share.
final class BenchCounter: Sendable {
    let value = Atomic<Int>(0)
}
