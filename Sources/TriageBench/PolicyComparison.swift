import Foundation
import TriageChaos

/// The demo's comparison: the same workload against an embedded ``ChaosServer`` with no retries,
/// naive retries and Triage's standard pipeline, under each ``Phase`` in turn.
public struct PolicyComparison: Sendable {
    /// A server behaviour the policies are compared under.
    public struct Phase: Sendable, Hashable {
        /// Its name in the table, e.g. `"total outage"`.
        public var name: String
        /// What the server does during it.
        public var scenario: ChaosScenario

        /// A phase named `name` playing `scenario`.
        public init(name: String, scenario: ChaosScenario) {
            self.name = name
            self.scenario = scenario
        }

        /// 20 % of requests get 503 (no Retry-After); 2 ms latency.
        public static var flaky: Phase {
            var scenario = ChaosScenario()
            scenario.errorRate = 0.2
            scenario.latency = .fixed(milliseconds: 2)
            scenario.seed = 20
            return Phase(name: "20% 503s", scenario: scenario)
        }

        /// Every request gets 503: the server is down.
        public static var outage: Phase {
            var scenario = ChaosScenario()
            scenario.errorRate = 1
            scenario.latency = .fixed(milliseconds: 2)
            return Phase(name: "total outage", scenario: scenario)
        }

        /// At most 2 requests at once (30 ms each); the rest get 429 with `Retry-After: 1`.
        public static var throttling: Phase {
            var scenario = ChaosScenario()
            scenario.capacity = 2
            scenario.capacityStatus = 429
            scenario.retryAfter = ["1"]
            scenario.latency = .fixed(milliseconds: 30)
            return Phase(name: "throttling", scenario: scenario)
        }
    }

    /// One phase × policy result.
    public struct Row: Sendable {
        /// The phase's name.
        public var phase: String
        /// What the workload measured.
        public var result: LoadResult
        /// Requests the chaos server counted (a cross-check of ``LoadResult/attempts``).
        public var serverRequests: Int
    }

    /// What is running, for a progress line.
    public struct Progress: Sendable {
        /// The phase running.
        public var phase: String
        /// The policy running.
        public var policy: ComparedPolicy
        /// Requests finished in this run so far.
        public var finished: Int
        /// Requests in this run at most.
        public var total: Int
    }

    /// The server behaviours, in order.
    public var phases: [Phase]
    /// The policies run in each phase, in order.
    public var policies: [ComparedPolicy]
    /// The workload of each run.
    public var options: LoadOptions

    /// The demo's workload: 300 requests paced at 100 per second (3 s per run), at most 64 in flight.
    public static let demoOptions = LoadOptions(requests: 300, concurrency: 64, rate: 100, maximumDuration: .seconds(4))

    /// Defaults: the flaky, outage and throttling phases; all three policies; ``demoOptions``.
    public init(phases: [Phase] = [.flaky, .outage, .throttling], policies: [ComparedPolicy] = ComparedPolicy.allCases,
                options: LoadOptions = PolicyComparison.demoOptions) {
        self.phases = phases
        self.policies = policies
        self.options = options
    }

    /// Runs every phase with every policy against one embedded server, its stats reset before each run.
    /// `started` is called before each run (phase, policy) and `progress` as requests finish.
    public func run(started: @Sendable (String, ComparedPolicy) -> Void = { _, _ in },
                    progress: (@Sendable (Progress) -> Void)? = nil) async throws -> [Row] {
        let server = try await ChaosServer.start()
        var rows: [Row] = []
        do {
            for phase in phases {
                for policy in policies {
                    try server.update(phase.scenario)
                    server.resetStats()
                    started(phase.name, policy)
                    let total = options.requests
                    let result = await LoadDriver(url: server.url("/work"), options: options).run(policy) { finished in
                        progress?(Progress(phase: phase.name, policy: policy, finished: finished, total: total))
                    }
                    rows.append(Row(phase: phase.name, result: result, serverRequests: server.stats.requests))
                }
            }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        return rows
    }

    /// The comparison as an aligned text table.
    public static func table(_ rows: [Row]) -> String {
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let room = max(0, width - text.count)
            return right ? String(repeating: " ", count: room) + text : text + String(repeating: " ", count: room)
        }
        var lines = [pad("phase", 14) + pad("policy", 10) + pad("success", 9, right: true) + pad("attempts/req", 14, right: true)
            + pad("p50 ms", 9, right: true) + pad("p99 ms", 9, right: true) + "  breaker / budget"]
        for row in rows {
            let result = row.result
            lines.append(pad(row.phase, 14) + pad(result.policy.rawValue, 10)
                + pad(String(format: "%.1f%%", result.successRate * 100), 9, right: true)
                + pad(String(format: "%.2f", result.amplification), 14, right: true)
                + pad(String(format: "%.1f", result.p50), 9, right: true)
                + pad(String(format: "%.1f", result.p99), 9, right: true) + "  " + result.eventSummary)
        }
        return lines.joined(separator: "\n")
    }
}
