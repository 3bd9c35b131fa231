import Foundation
import TriageChaos

/// `triage bench storm`: how much load each policy sends, and how much of it succeeds, as a server's
/// failure rate climbs from 0 to 100 %. The failures are 503s without Retry-After from an embedded
/// ``ChaosServer`` (seeded, so a rate gives the same failures every run), or whatever an external
/// target does (``runExternal(url:options:)``).
public enum StormBenchmark {
    /// One measured point.
    public struct Row: Sendable {
        /// Always `"storm"`.
        public var scenario = "storm"
        /// The policy measured.
        public var policy: ComparedPolicy
        /// The injected failure rate, 0…1; `nil` for an external target.
        public var failureRate: Double?
        /// What the workload measured.
        public var result: LoadResult
    }

    /// The failure rates 0, `step`, 2·`step`, … 100 %, as fractions.
    /// - Precondition: `step` divides 100 (e.g. 10, 20, 25, 50).
    public static func rates(stepPercent step: Int) -> [Double] {
        stride(from: 0, through: 100, by: step).map { Double($0) / 100 }
    }

    /// Runs every rate with every policy against one embedded server, its stats reset before each run.
    /// `started` is called before each run.
    public static func run(rates: [Double], policies: [ComparedPolicy] = ComparedPolicy.allCases, options: LoadOptions,
                           started: @Sendable (Double, ComparedPolicy) -> Void = { _, _ in }) async throws -> [Row] {
        let server = try await ChaosServer.start()
        var rows: [Row] = []
        do {
            for rate in rates {
                for policy in policies {
                    var scenario = ChaosScenario()
                    scenario.errorRate = rate
                    scenario.errorStatus = 503
                    scenario.seed = 5
                    try server.update(scenario)
                    server.resetStats()
                    started(rate, policy)
                    let result = await LoadDriver(url: server.url("/storm"), options: options).run(policy)
                    rows.append(Row(policy: policy, failureRate: rate, result: result))
                }
            }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        return rows
    }

    /// Drives an external server with the standard pipeline only.
    public static func runExternal(url: String, options: LoadOptions) async -> [Row] {
        [Row(policy: .standard, failureRate: nil, result: await LoadDriver(url: url, options: options).run(.standard))]
    }

    /// `{"rows": [{"scenario": "storm", "policy", "failure_rate", "offered", "attempts", "amplification",
    /// "success_rate", "p50_ms", "p99_ms"}]}`; rates and ratios are fractions, times milliseconds.
    public static func json(_ rows: [Row]) -> String {
        let objects: [[String: Any]] = rows.map { row in
            [
                "scenario": row.scenario, "policy": row.policy.rawValue, "failure_rate": row.failureRate.map { $0 as Any } ?? NSNull(),
                "offered": row.result.offered, "attempts": row.result.attempts,
                "amplification": rounded(row.result.amplification), "success_rate": rounded(row.result.successRate),
                "p50_ms": rounded(row.result.p50), "p99_ms": rounded(row.result.p99),
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["rows": objects], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A text table, one line per row.
    public static func table(_ rows: [Row]) -> String {
        var lines = ["failure  policy      offered  attempts  ampl.  success   p50 ms   p99 ms"]
        for row in rows {
            let rate = row.failureRate.map { String(format: "%5.0f%%", $0 * 100) } ?? "     -"
            lines.append(rate + "   " + row.policy.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: "%9d %9d %6.2f %7.1f%% %8.1f %8.1f", row.result.offered, row.result.attempts,
                         row.result.amplification, row.result.successRate * 100, row.result.p50, row.result.p99))
        }
        return lines.joined(separator: "\n")
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
