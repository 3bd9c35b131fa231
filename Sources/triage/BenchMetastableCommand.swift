import ArgumentParser
import Foundation
import TriageBench
import TriageProbe
import TriageSimulation

extension BenchCommand {
    /// `triage bench metastable`: a capacity drop, and whether the clients' retries let the server recover.
    struct Metastable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a 10 s capacity drop under steady load; compare no retry, naive retries, backoff, and Triage's defaults.",
            discussion: "Virtual time; the real RetryBudget and CircuitBreaker. Reports goodput per second and the time to recover after the drop."
        )

        @Flag(help: "Print JSON: {\"rows\": [{\"scenario\", \"policy\", \"offered\", \"attempts\", \"amplification\", \"success_rate\", \"p50_ms\", \"p99_ms\", \"recovery_s\", \"series\"}]}.")
        var json = false

        @Option(help: ArgumentHelp("Also write the plot as SVG to this file.", valueName: "file"))
        var svg: String?

        @Option(help: "Seed of the arrivals and jitter (same seed, same numbers).")
        var seed: UInt64 = 1

        @Option(help: "Length of the run, in seconds of virtual time.")
        var duration = 120

        func simulation() throws -> MetastableSimulation {
            var configuration = MetastableSimulation.Configuration()
            configuration.seed = seed
            configuration.duration = .seconds(duration)
            do { return try MetastableSimulation(configuration) } catch { throw ValidationError("\(error)") }
        }

        func validate() throws { _ = try simulation() }

        func run() async throws {
            let simulation = try simulation()
            let rows = simulation.run()
            if let svg {
                try SimulationPlots.metastable(rows, configuration: simulation.configuration).write(toFile: svg, atomically: true, encoding: .utf8)
            }
            if json {
                print(MetastableSimulation.json(rows))
            } else {
                print("policy    attempts  amplif.  success  p50 (ms)  p99 (ms)  recovery (s)")
                for row in rows {
                    let recovery = row.recoverySeconds.map(String.init) ?? "never"
                    print(row.policy.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                          + String(format: "%9d  %7.2f  %7.3f  %8.1f  %8.1f  ", row.attempts, row.amplification,
                                   row.successRate, row.p50Milliseconds, row.p99Milliseconds) + recovery)
                }
            }
        }
    }
}
