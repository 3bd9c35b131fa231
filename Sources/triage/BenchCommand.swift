import ArgumentParser
import TriageBench
import TriageProbe

/// `triage bench`: measurements that back Triage's claims.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Triage (build with -c release for real numbers).",
        subcommands: [Overhead.self, HTTP.self, Storm.self, Jitter.self, Metastable.self, Hedge.self, Watch.self, S3.self, BenchOutboxCommand.self, BenchHandlersCommand.self]
    )

    /// `triage bench overhead`: nanoseconds per call on the success path.
    struct Overhead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the policies add to a successful call, in ns per call.")

        @Flag(help: "Print JSON.")
        var json = false

        @Option(help: "Calls per row.")
        var calls = 200_000

        func validate() throws {
            guard calls >= 1_000 else { throw ValidationError("--calls must be at least 1000") }
        }

        func run() async throws {
            let rows = await OverheadBenchmark.run(calls: calls)
            if json {
                print(OverheadBenchmark.json(rows))
            } else {
                for row in rows { print(row.name.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%10.1f ns/call", row.nanosecondsPerCall)) }
            }
        }
    }
}
