import ArgumentParser
import Foundation
import TriageBench
import TriageProbe
import TriageSimulation

extension BenchCommand {
    /// `triage bench hedge`: tail latency and extra load with and without hedged requests.
    struct Hedge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a 2 % slow tail; compare no hedging with HedgingPolicy's fixed and percentile delays.",
            discussion: "Virtual time; the real HedgingPolicy chooses each hedge's delay. Reports p50/p99/p99.9 and attempts per request."
        )

        @Flag(help: "Print JSON: {\"rows\": [{\"scenario\", \"policy\", \"offered\", \"attempts\", \"amplification\", \"success_rate\", \"p50_ms\", \"p99_ms\", \"p999_ms\"}]}.")
        var json = false

        @Option(help: ArgumentHelp("Also write the plot as SVG to this file.", valueName: "file"))
        var svg: String?

        @Option(help: "Seed of the latencies (same seed, same numbers).")
        var seed: UInt64 = 1

        @Option(help: "Requests per policy.")
        var requests = 20_000

        func simulation() throws -> HedgeSimulation {
            var configuration = HedgeSimulation.Configuration()
            configuration.seed = seed
            configuration.requests = requests
            do { return try HedgeSimulation(configuration) } catch { throw ValidationError("\(error)") }
        }

        func validate() throws { _ = try simulation() }

        func run() async throws {
            let rows = try simulation().run()
            if let svg { try SimulationPlots.hedge(rows).write(toFile: svg, atomically: true, encoding: .utf8) }
            if json {
                print(HedgeSimulation.json(rows))
            } else {
                print("policy        attempts  amplif.  p50 (ms)  p99 (ms)  p99.9 (ms)")
                for row in rows {
                    print(row.policy.padding(toLength: 13, withPad: " ", startingAt: 0)
                          + String(format: "%9d  %7.4f  %8.2f  %8.2f  %10.2f", row.attempts, row.amplification,
                                   row.p50Milliseconds, row.p99Milliseconds, row.p999Milliseconds))
                }
            }
        }
    }
}
