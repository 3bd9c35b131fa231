import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Triage
import TriageHTTP

/// Drives a workload of GET requests against one URL through one ``ComparedPolicy`` and measures what
/// the server saw (attempts on the wire) and what the callers got (success, latency).
///
/// One `HTTPClient` and, for `.standard`, one ``Pipeline`` serve every request of the workload, as a
/// real client shares them. AsyncHTTPClient's own connection retry is off, so the policy is the only
/// thing that retries.
public struct LoadDriver: Sendable {
    /// The URL every request GETs.
    public var url: String
    /// The workload's shape.
    public var options: LoadOptions

    /// A driver for `url` with `options` (default ``LoadOptions/init(requests:concurrency:rate:maximumDuration:)``).
    public init(url: String, options: LoadOptions = LoadOptions()) {
        self.url = url
        self.options = options
    }

    /// Runs the workload; `progress` is called with the number of finished requests as they finish.
    public func run(_ policy: ComparedPolicy, progress: (@Sendable (Int) -> Void)? = nil) async -> LoadResult {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(options.connectTimeout), read: TimeAmount(options.readTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, options.concurrency)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let tally = Tally()
        var pipeline = Pipeline.standard
        pipeline.classifier = .asyncHTTPClient
        pipeline.deadline = options.deadline
        pipeline.breaker = CircuitBreaker { _, to in
            if to == .open { tally.breakerOpened.add(1, ordering: .relaxed) }
        }
        pipeline.observer = { record in
            tally.pipelineAttempts.add(1, ordering: .relaxed)
            if record.action == .retry, record.delaySource == .retryAfter { tally.retryAfterWaits.add(1, ordering: .relaxed) }
        }
        let shared = pipeline
        let request = Request(url: url, readTimeout: options.readTimeout)

        let start = ContinuousClock.now
        let stopIssuing = start.advanced(by: options.maximumDuration)
        let one: @Sendable () async -> Double = {
            let began = ContinuousClock.now
            let ok = await Self.send(request, policy: policy, pipeline: shared, client: client, tally: tally)
            if ok { tally.succeeded.add(1, ordering: .relaxed) }
            let latency = Self.milliseconds(began.duration(to: .now))
            progress?(tally.finished.add(1, ordering: .relaxed).newValue)
            return latency
        }
        let latencies: [Double]
        if let rate = options.rate {
            latencies = await Self.paced(rate: rate, options: options, start: start, stopIssuing: stopIssuing, one)
        } else {
            latencies = await Self.closedLoop(options: options, stopIssuing: stopIssuing, tally: tally, one)
        }
        try? await client.shutdown()
        var result = LoadResult(policy: policy, offered: latencies.count, attempts: tally.attempts.load(ordering: .relaxed),
                                succeeded: tally.succeeded.load(ordering: .relaxed), latencies: latencies.sorted())
        if policy == .standard {
            result.breakerOpened = tally.breakerOpened.load(ordering: .relaxed)
            // Attempts the pipeline made but never sent: rejected by the open breaker (or, rarely, a
            // deadline already spent), as the circuit.open record may be rewritten to deadline.exceeded.
            result.breakerRejected = max(0, tally.pipelineAttempts.load(ordering: .relaxed) - result.attempts)
            result.budgetRefused = shared.budget?.counts.refused ?? 0
            result.retryAfterWaits = tally.retryAfterWaits.load(ordering: .relaxed)
        }
        return result
    }

    /// `concurrency` workers, each sending its next request when the last one ended.
    static func closedLoop(options: LoadOptions, stopIssuing: ContinuousClock.Instant, tally: Tally,
                           _ one: @escaping @Sendable () async -> Double) async -> [Double] {
        await withTaskGroup(of: [Double].self) { group in
            for _ in 0..<max(1, options.concurrency) {
                group.addTask {
                    var mine: [Double] = []
                    while ContinuousClock.now < stopIssuing, tally.issued.wrappingAdd(1, ordering: .relaxed).oldValue < options.requests {
                        mine.append(await one())
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for await part in group { all += part }
            return all
        }
    }

    /// Request `i` issued at `start + i / rate`, whatever happened to the others (open loop), with at
    /// most `concurrency` in flight (an arrival waits for a free place when all are taken).
    static func paced(rate: Double, options: LoadOptions, start: ContinuousClock.Instant, stopIssuing: ContinuousClock.Instant,
                      _ one: @escaping @Sendable () async -> Double) async -> [Double] {
        await withTaskGroup(of: Double.self) { group in
            var all: [Double] = []
            var inFlight = 0
            for index in 0..<options.requests {
                let due = start.advanced(by: .nanoseconds(Int64(Double(index) / rate * 1e9)))
                if due > stopIssuing { break }
                try? await Task.sleep(until: due, clock: .continuous)
                while inFlight >= max(1, options.concurrency), let latency = await group.next() {
                    all.append(latency)
                    inFlight -= 1
                }
                group.addTask { await one() }
                inFlight += 1
            }
            for await latency in group { all.append(latency) }
            return all
        }
    }

    /// One request through the policy; `true` when it ends in success.
    static func send(_ request: Request, policy: ComparedPolicy, pipeline: Pipeline<ContinuousClock>,
                     client: HTTPClient, tally: Tally) async -> Bool {
        switch policy {
        case .none:
            return (try? await request.attempt(client, tally)) != nil
        case .naive:
            for _ in 1...3 {
                if (try? await request.attempt(client, tally)) != nil { return true }
            }
            return false
        case .standard:
            do {
                try await pipeline.run(idempotent: true) { _ in try await request.attempt(client, tally) }
                return true
            } catch {
                return false
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// Counters shared by the workers.
    final class Tally: Sendable {
        let issued = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let attempts = Atomic<Int>(0)
        let succeeded = Atomic<Int>(0)
        let pipelineAttempts = Atomic<Int>(0)
        let retryAfterWaits = Atomic<Int>(0)
        let breakerOpened = Atomic<Int>(0)
    }

    /// One GET, read to the end; an error status becomes a classified ``Failure``.
    struct Request: Sendable {
        var url: String
        var readTimeout: Duration

        func attempt(_ client: HTTPClient, _ tally: Tally) async throws {
            tally.attempts.add(1, ordering: .relaxed)
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: TimeAmount(readTimeout) + .seconds(1))
            let status = Int(response.status.code)
            guard status >= 400 else {
                for try await _ in response.body {}
                return
            }
            var body: [UInt8] = []
            for try await var chunk in response.body where body.count < 64 << 10 {
                body += chunk.readBytes(length: min(chunk.readableBytes, (64 << 10) - body.count)) ?? []
            }
            let headers = response.headers.map { (name: $0.name, value: $0.value) }
            if let failure = HTTPResponseClassifier().classify(status: status, headers: headers, body: body,
                                                                now: Date().timeIntervalSince1970) {
                throw failure
            }
        }
    }
}
