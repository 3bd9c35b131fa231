import ArgumentParser
import Foundation
import TriageBench
import TriageProbe

extension BenchCommand {
    /// `triage bench storm`: failure rate → amplification and success, per policy.
    struct Storm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Failure rate 0…100 % → load amplification and success rate for none, naive and standard.",
            discussion: """
                Against an embedded chaos server (503s without Retry-After, seeded) unless --target is given; \
                then the standard pipeline drives that loopback URL. failure_rate and success_rate are fractions.
                """
        )

        @Flag(help: "Print JSON.")
        var json = false

        @Option(help: "Also write an SVG plot to this file.")
        var svg: String?

        @Option(help: "Failure-rate step in percent (10, 20, 25 or 50).")
        var step = 20

        @Option(help: "Requests per row.")
        var requests = 200

        @Option(help: "Requests in flight at once.")
        var concurrency = 8

        @Option(help: "Drive this loopback URL instead of the embedded server (standard pipeline only).")
        var target: String?

        func validate() throws {
            guard [10, 20, 25, 50].contains(step) else { throw ValidationError("--step must be 10, 20, 25 or 50") }
            guard (1...100_000).contains(requests) else { throw ValidationError("--requests must be within 1…100000") }
            guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be within 1…256") }
            if let target {
                guard let url = URL(string: target), ["http", "https"].contains(url.scheme ?? ""), let host = url.host else {
                    throw ValidationError("--target must be an http(s) URL")
                }
                let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                guard ["127.0.0.1", "::1", "localhost"].contains(bare) else {
                    throw ValidationError("--target host '\(host)' is not loopback: the storm bench only drives 127.0.0.1, ::1 or localhost")
                }
            }
        }

        func run() async throws {
            let options = LoadOptions(requests: requests, concurrency: concurrency, maximumDuration: .seconds(30))
            let rows: [StormBenchmark.Row]
            if let target {
                rows = await StormBenchmark.runExternal(url: target, options: options)
            } else {
                let quiet = json
                rows = try await StormBenchmark.run(rates: StormBenchmark.rates(stepPercent: step), options: options) { rate, policy in
                    if !quiet { FileHandle.standardError.write(Data("storm: \(Int(rate * 100))% / \(policy.rawValue)\n".utf8)) }
                }
            }
            print(json ? StormBenchmark.json(rows) : StormBenchmark.table(rows))
            if let svg {
                try StormPlot.svg(rows).write(toFile: svg, atomically: true, encoding: .utf8)
            }
        }
    }
}
