import ArgumentParser
import Foundation
import Triage
import TriageBench
import TriageProbe

extension BenchCommand {
    /// `triage bench http`: requests per second through AsyncHTTPClient alone and through
    /// ResilientHTTPClient with the standard pipeline, against one loopback server.
    struct HTTP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "http",
            abstract: "Raw AsyncHTTPClient vs ResilientHTTPClient, requests per second on loopback."
        )

        @Flag(help: "Print JSON.")
        var json = false

        @Option(help: "Requests per block (each pair is a raw block and a resilient block).")
        var requests = 256

        @Option(help: "Requests in flight in the concurrent measurement.")
        var concurrency = 32

        @Option(help: "Pairs of blocks per mode, order swapped every pair; the median per-pair ratio is reported.")
        var pairs = 60

        @Option(help: "How the standard pipeline enforces timeouts: cooperative (AsyncHTTPClient's deadline) or cancel.")
        var timeouts = "cooperative"

        func validate() throws {
            guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
            guard (1...1_024).contains(concurrency) else { throw ValidationError("--concurrency must be 1...1024") }
            guard (1...1_000).contains(pairs) else { throw ValidationError("--pairs must be 1...1000") }
            guard ["cooperative", "cancel"].contains(timeouts) else { throw ValidationError("--timeouts must be cooperative or cancel") }
        }

        func run() async throws {
            let result = try await HTTPOverheadBenchmark.run(requests: requests, concurrency: concurrency, pairs: pairs,
                                                        timeouts: timeouts == "cancel" ? .cancel : .cooperative)
            if json {
                print(HTTPOverheadBenchmark.json(result))
            } else {
                for (name, pair) in [("sequential", result.sequential), ("concurrent (\(result.concurrency))", result.concurrent)] {
                    print(name.padding(toLength: 18, withPad: " ", startingAt: 0)
                          + String(format: "raw %9.1f req/s   resilient %9.1f req/s   %5.1f %% (pairs' quartiles %5.1f–%5.1f %%, total time %5.1f %%)",
                                   pair.rawRequestsPerSecond, pair.resilientRequestsPerSecond, pair.ratio * 100,
                                   pair.ratioQuartiles.lower * 100, pair.ratioQuartiles.upper * 100, pair.totalTimeRatio * 100))
                }
            }
        }
    }
}
