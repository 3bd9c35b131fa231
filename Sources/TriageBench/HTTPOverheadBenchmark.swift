import Foundation
import AsyncHTTPClient
import NIOCore
import Triage
import TriageProbe
import TriageHTTP

/// Measures what ``ResilientHTTPClient`` (with ``Pipeline/standard``: deadline, retry, budget, breaker,
/// attempt timeout; timeouts cooperative by default, as ``ResilientHTTPClient/standardPipeline`` has them)
/// costs over AsyncHTTPClient alone,
/// for `triage bench http`: the same loopback server (``BenchHTTPServer``), the same `HTTPClient`, in
/// the same run, sequentially and with `concurrency` requests in flight.
///
/// Both sides do the same work per request: a GET, a status check and the whole (2-byte) body
/// collected (raw: `execute(_:timeout:)` with 10 s and `body.collect(upTo:)`; resilient:
/// ``ResilientHTTPClient/execute(_:body:maximumBodySize:logger:)``), 1 MiB body limit on both.
///
/// **Method: paired blocks.** After a warm-up, each mode runs `pairs` pairs of short blocks of
/// `requests` GETs: a raw block and a resilient block back to back, the order swapped every pair
/// (raw first in even pairs, resilient first in odd ones), so that a slow spell on a shared machine
/// lands on both sides of a pair and drift over the run cancels out. From each pair comes one ratio,
/// raw block time / resilient block time (= resilient rate / raw rate). Reported:
/// - `raw_rps`: all raw requests / all raw block time (requests per second);
/// - `resilient_rps`: `raw_rps` × the median of the per-pair ratios (the median, so that one block
///   hit by a stall does not move the result);
/// - ``Pair/ratioQuartiles`` (the spread of the per-pair ratios) and ``Pair/totalTimeRatio`` (all
///   raw time / all resilient time, the unpaired estimate) alongside, in the text output.
///
/// Defaults: 256 requests per block, 60 pairs per mode, 32 in flight: about 15 s on 2 cores.
public enum HTTPOverheadBenchmark {
    /// Requests per second, raw AsyncHTTPClient and through ``ResilientHTTPClient``, from paired blocks.
    public struct Pair: Sendable {
        /// All raw requests / all raw block time, requests per second.
        public var rawRequestsPerSecond: Double
        /// ``rawRequestsPerSecond`` × ``ratio``, requests per second.
        public var resilientRequestsPerSecond: Double
        /// The median of the per-pair ratios (resilient rate / raw rate).
        public var ratio: Double
        /// The 25th and 75th percentiles of the per-pair ratios.
        public var ratioQuartiles: (lower: Double, upper: Double)
        /// All raw block time / all resilient block time (unpaired; differs from ``ratio`` when a few
        /// blocks were disturbed).
        public var totalTimeRatio: Double
        /// How many pairs were measured.
        public var pairs: Int
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

    /// Runs the benchmark. `requests` (per block, default 256) ≥ 1, `concurrency` (default 32) ≥ 1,
    /// `pairs` (per mode, default 60) ≥ 1; `timeouts` is how the standard pipeline holds requests to
    /// their time (default cooperative: AsyncHTTPClient's deadline).
    public static func run(requests: Int = 256, concurrency: Int = 32, pairs: Int = 60,
                           timeouts: TimeoutEnforcement = .cooperative) async throws -> Result {
        precondition(requests >= 1 && concurrency >= 1 && pairs >= 1, "requests, concurrency and pairs must be at least 1")
        let server = try await BenchHTTPServer.start()
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, concurrency)
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var pipeline = Pipeline<ContinuousClock>.standard
        pipeline.timeoutEnforcement = timeouts
        let resilient = ResilientHTTPClient(httpClient: httpClient, pipeline: pipeline)
        let url = server.url

        let raw: Call = {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            guard response.status == .ok else { throw BenchmarkError(description: "raw request got \(response.status)") }
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        let wrapped: Call = {
            let response = try await resilient.execute(HTTPClientRequest(url: url), maximumBodySize: 1 << 20)
            guard response.status == .ok else { throw BenchmarkError(description: "resilient request got \(response.status)") }
        }
        do {
            let warmUp = max(requests, 500)
            for call in [raw, wrapped] {
                _ = try await blockSeconds(requests: warmUp, concurrency: concurrency, call)
                _ = try await blockSeconds(requests: warmUp, concurrency: 1, call)
            }
            let sequential = try await paired(pairs: pairs, requests: requests, concurrency: 1, raw: raw, resilient: wrapped)
            let concurrent = try await paired(pairs: pairs, requests: requests, concurrency: concurrency, raw: raw, resilient: wrapped)
            try await httpClient.shutdown()
            await server.shutdown()
            return Result(sequential: sequential, concurrent: concurrent, concurrency: concurrency)
        } catch {
            try? await httpClient.shutdown()
            await server.shutdown()
            throw error
        }
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
