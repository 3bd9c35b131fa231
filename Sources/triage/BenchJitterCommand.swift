import ArgumentParser
import Foundation
import TriageBench
import TriageProbe
import TriageSimulation

extension BenchCommand {
    /// `triage bench jitter`: AWS's "Exponential Backoff and Jitter" experiment in virtual time.
    struct Jitter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate N clients racing to update one row (optimistic concurrency) under each backoff policy.",
            discussion: "Virtual time; Triage's own Backoff. Rows are means over the trials: calls (attempts) and time until every client wrote."
        )

        @Flag(help: "Print JSON: {\"rows\": [{\"scenario\", \"clients\", \"policy\", \"calls\", \"time_ms\"}]}.")
        var json = false

        @Option(help: ArgumentHelp("Also write the plot as SVG to this file.", valueName: "file"))
        var svg: String?

        @Option(help: "Seed of the random streams (same seed, same numbers).")
        var seed: UInt64 = 1

        @Option(help: "Trials averaged per cell.")
        var trials = 100

        @Option(help: "Client counts, comma-separated.")
        var clients = "10,20,30,40,50,100"

        func simulation() throws -> JitterSimulation {
            var configuration = JitterSimulation.Configuration()
            configuration.seed = seed
            configuration.trials = trials
            configuration.clients = try clients.split(separator: ",").map { text in
                guard let count = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--clients: '\(text)' is not a number") }
                return count
            }
            do { return try JitterSimulation(configuration) } catch { throw ValidationError("\(error)") }
        }

        func validate() throws { _ = try simulation() }

        func run() async throws {
            let rows = try simulation().run()
            if let svg { try SimulationPlots.jitter(rows).write(toFile: svg, atomically: true, encoding: .utf8) }
            if json {
                print(JitterSimulation.json(rows))
            } else {
                print("clients  policy          calls     time (ms)")
                for row in rows {
                    print(String(format: "%7d  ", row.clients) + row.policy.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                          + String(format: "%8.1f  %12.1f", row.calls, row.timeMilliseconds))
                }
            }
        }
    }
}
