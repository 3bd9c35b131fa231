import Foundation
import AsyncHTTPClient
import NIOCore
import Triage
import TriageHTTP

/// Measures what ``ResilientHTTPClient`` (with ``Pipeline/standard``: deadline, retry, budget, breaker,
/// attempt timeout; timeouts cooperative by default, as ``ResilientHTTPClient/standardPipeline`` has them)
/// costs over AsyncHTTPClient alone,
/// for `triage bench http`: the same loopback server (``BenchHTTPServer``), the same `HTTPClient`, in
/// the same run, sequentially and with `concurrency` requests in flight.
///
/// Each measurement runs `requests` GETs after a warm-up; raw and resilient alternate (and swap which
/// goes first) for `rounds` rounds, and the median of each is reported, so that other work on a shared
/// machine disturbs both alike.
public enum HTTPOverheadBenchmark {
    /// Requests per second, raw AsyncHTTPClient and through ``ResilientHTTPClient``.
    public struct Pair: Sendable {
        public var rawRequestsPerSecond: Double
        public var resilientRequestsPerSecond: Double
        /// resilient / raw.
        public var ratio: Double { rawRequestsPerSecond > 0 ? resilientRequestsPerSecond / rawRequestsPerSecond : 0 }
    }

    public struct Result: Sendable {
        public var sequential: Pair
        public var concurrent: Pair
        public var concurrency: Int
    }

    /// What went wrong while measuring (a request failed: the numbers would mean nothing).
    public struct BenchmarkError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the benchmark. `requests` ≥ 1, `concurrency` ≥ 1, `rounds` ≥ 1; `timeouts` is how the
    /// standard pipeline holds requests to their time (default cooperative: AsyncHTTPClient's deadline).
    public static func run(requests: Int = 2_000, concurrency: Int = 32, rounds: Int = 9,
                           timeouts: TimeoutEnforcement = .cooperative) async throws -> Result {
        precondition(requests >= 1 && concurrency >= 1 && rounds >= 1, "requests, concurrency and rounds must be at least 1")
        let server = try await BenchHTTPServer.start()
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, concurrency)
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var pipeline = Pipeline<ContinuousClock>.standard
        pipeline.timeoutEnforcement = timeouts
        let resilient = ResilientHTTPClient(httpClient: httpClient, pipeline: pipeline)
        let url = server.url

        let raw: @Sendable () async throws -> Void = {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            guard response.status == .ok else { throw BenchmarkError(description: "raw request got \(response.status)") }
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        let wrapped: @Sendable () async throws -> Void = {
            let response = try await resilient.execute(HTTPClientRequest(url: url), maximumBodySize: 1 << 20)
            guard response.status == .ok else { throw BenchmarkError(description: "resilient request got \(response.status)") }
        }
        do {
            let warmUp = min(requests, 500)
            _ = try await measure(requests: warmUp, concurrency: concurrency, raw)
            _ = try await measure(requests: warmUp, concurrency: concurrency, wrapped)
            var samples = (seqRaw: [Double](), seqResilient: [Double](), conRaw: [Double](), conResilient: [Double]())
            for round in 0..<rounds {
                // Alternate which goes first, so a slow spell on the machine hits both alike.
                let rawFirst = round % 2 == 0
                for first in [rawFirst, !rawFirst] {
                    if first {
                        samples.seqRaw.append(try await measure(requests: requests, concurrency: 1, raw))
                        samples.conRaw.append(try await measure(requests: requests, concurrency: concurrency, raw))
                    } else {
                        samples.seqResilient.append(try await measure(requests: requests, concurrency: 1, wrapped))
                        samples.conResilient.append(try await measure(requests: requests, concurrency: concurrency, wrapped))
                    }
                }
            }
            try await httpClient.shutdown()
            await server.shutdown()
            return Result(
                sequential: Pair(rawRequestsPerSecond: median(samples.seqRaw), resilientRequestsPerSecond: median(samples.seqResilient)),
                concurrent: Pair(rawRequestsPerSecond: median(samples.conRaw), resilientRequestsPerSecond: median(samples.conResilient)),
                concurrency: concurrency
            )
        } catch {
            try? await httpClient.shutdown()
            await server.shutdown()
            throw error
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Requests per second for `requests` calls of `call`, `concurrency` at a time.
    static func measure(requests: Int, concurrency: Int, _ call: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        if concurrency == 1 {
            for _ in 0..<requests { try await call() }
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    let share = requests / concurrency + (worker < requests % concurrency ? 1 : 0)
                    group.addTask { for _ in 0..<share { try await call() } }
                }
                try await group.waitForAll()
            }
        }
        let seconds = start.duration(to: clock.now).triageSeconds
        return seconds > 0 ? Double(requests) / seconds : 0
    }

    /// `{"sequential": {"raw_rps": …, "resilient_rps": …}, "concurrent": {"raw_rps": …, "resilient_rps": …}}`.
    public static func json(_ result: Result) -> String {
        func pair(_ pair: Pair) -> String {
            var object = JSONWriter()
            object.field("raw_rps", .raw(String(format: "%.1f", pair.rawRequestsPerSecond)))
            object.field("resilient_rps", .raw(String(format: "%.1f", pair.resilientRequestsPerSecond)))
            return object.text
        }
        var object = JSONWriter()
        object.field("sequential", .raw(pair(result.sequential)))
        object.field("concurrent", .raw(pair(result.concurrent)))
        return object.text
    }
}
