import Triage
import TriageTestKit

/// Hedged requests against a slow tail, in virtual time, decided by the ``Pipeline``'s own
/// `PipelineStateMachine` (its hedge timers, ``HedgingPolicy`` delays and ``RetryBudget`` say on
/// each hedge): the loop only carries out its actions and tells it when a timer fires or an answer comes.
///
/// An attempt takes |Normal(`fastMean`, `fastDeviation`)| (default 10 ms, 2 ms), except a share
/// `slowRate` (default 2 %) that take |Normal(`slowMean`, `slowDeviation`)| (default 1 s, 100 ms).
/// One closed-loop client sends `requests` requests (default 20 000) one after another, each an
/// idempotent call with one attempt. With hedging, while no attempt has answered, the machine sends
/// hedge *k* `k × policy.currentDelay` after the request (at most `maximumHedges`, each if the budget
/// allows); the first answer wins and the others are cancelled, their work still counted as attempts.
/// The winner's latency is recorded into the policy (percentile delays learn from it).
///
/// Why virtual time and not the real ``Pipeline`` on a manual clock: driving 20 000 pipeline runs
/// through a manual clock needs a task group and clock hand-offs per request (slow, and its scheduling
/// is not deterministic); the machine is what decides, so driving it directly gives the product's numbers.
public struct HedgeSimulation: Sendable {
    /// A hedging setup to compare.
    public struct Policy: Sendable, Hashable {
        /// The row's name (`none`, `fixed-50ms`, `p95`, …).
        public var name: String
        /// `nil`: no hedging.
        public var delay: HedgingPolicy.Delay?
        /// Extra attempts at most (default 1).
        public var maximumHedges = 1

        public init(name: String, delay: HedgingPolicy.Delay?, maximumHedges: Int = 1) {
            self.name = name
            self.delay = delay
            self.maximumHedges = maximumHedges
        }

        /// No hedging, a fixed 50 ms hedge, and hedges at the observed p95 and p99 (50 ms until 20 samples).
        public static let defaults: [Policy] = [
            Policy(name: "none", delay: nil),
            Policy(name: "fixed-50ms", delay: .fixed(.milliseconds(50))),
            Policy(name: "p95", delay: .percentile(0.95, fallback: .milliseconds(50))),
            Policy(name: "p99", delay: .percentile(0.99, fallback: .milliseconds(50))),
        ]
    }

    /// What to simulate.
    public struct Configuration: Sendable {
        /// Requests per policy (default 20 000).
        public var requests = 20_000
        /// Mean latency of a normal attempt (default 10 ms).
        public var fastMean: Duration = .milliseconds(10)
        /// Standard deviation of a normal attempt's latency (default 2 ms).
        public var fastDeviation: Duration = .milliseconds(2)
        /// The share of attempts in the slow tail (default 0.02).
        public var slowRate = 0.02
        /// Mean latency of a slow attempt (default 1 s).
        public var slowMean: Duration = .seconds(1)
        /// Standard deviation of a slow attempt's latency (default 100 ms).
        public var slowDeviation: Duration = .milliseconds(100)
        /// The setups compared, in row order (default ``Policy/defaults``).
        public var policies: [Policy] = Policy.defaults
        /// The seed of the latencies (default 1); every policy sees the same primary attempts.
        public var seed: UInt64 = 1

        public init() {}

        /// - Throws: ``ConfigurationError`` for fewer than 1 request, a rate outside 0…1, negative
        ///   times, no policies, or a hedging policy ``HedgingPolicy`` would refuse.
        public func validate() throws(ConfigurationError) {
            guard requests >= 1 else { throw ConfigurationError("HedgeSimulation.requests", "must be at least 1 (\(requests))") }
            guard slowRate.isFinite, (0...1).contains(slowRate) else {
                throw ConfigurationError("HedgeSimulation.slowRate", "must be within 0…1 (\(slowRate))")
            }
            guard fastMean >= .zero, fastDeviation >= .zero, slowMean >= .zero, slowDeviation >= .zero else {
                throw ConfigurationError("HedgeSimulation.latency", "means and deviations must not be negative")
            }
            guard !policies.isEmpty else { throw ConfigurationError("HedgeSimulation.policies", "must not be empty") }
            for policy in policies {
                if let delay = policy.delay { try HedgingPolicy(delay: delay, maximumHedges: policy.maximumHedges).validate() }
            }
        }
    }

    /// One policy's result. Latencies in milliseconds, end to end.
    public struct Row: Sendable, Hashable {
        public var policy: String
        /// Requests sent.
        public var requests: Int
        /// Attempts the server saw (hedges included).
        public var attempts: Int
        /// `attempts / requests`.
        public var amplification: Double { Double(attempts) / Double(max(1, requests)) }
        /// Share of requests answered (always 1 here: nothing fails, it is only slow).
        public var successRate: Double
        /// Median latency.
        public var p50Milliseconds: Double
        /// 99th percentile latency.
        public var p99Milliseconds: Double
        /// 99.9th percentile latency.
        public var p999Milliseconds: Double
        /// Latency at the quantiles of ``HedgeSimulation/curveQuantiles``, for plots.
        public var curve: [Double]
    }

    /// The quantiles of each row's ``Row/curve``.
    public static let curveQuantiles: [Double] = [0.5, 0.75, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999]

    public let configuration: Configuration

    /// - Throws: ``ConfigurationError`` when the configuration cannot run.
    public init(_ configuration: Configuration = Configuration()) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Runs every policy, in order.
    public func run() -> [Row] {
        configuration.policies.map(simulate)
    }

    private func simulate(_ policy: Policy) -> Row {
        // Validated in `init`.
        let hedging = policy.delay.flatMap { HedgingPolicy(delay: $0, maximumHedges: policy.maximumHedges) }
        let machineConfiguration = PipelineStateMachine.Configuration(
            retry: .never, budget: RetryBudget(), hedging: hedging, idempotent: true,
            latencies: LatencyTracker.kept(for: hedging, existing: nil))
        var primaries = SeededRandom.derived(configuration.seed, 3, 0)  // the same first attempts for every policy
        var hedges = SeededRandom.derived(configuration.seed, 3, 1)
        var latencies: [Double] = []
        latencies.reserveCapacity(configuration.requests)
        var attempts = 0
        var now = 0.0
        for _ in 0..<configuration.requests {
            let start = now
            var machine = PipelineStateMachine(machineConfiguration)
            var action = machine.start(now: .milliseconds(start), cancelled: false)
            var finishes: [Double] = []  // when each send answers
            var timer: Double?
            sending: while true {
                switch action {
                case .run(_, let hedgeAfter):
                    finishes.append(now + attemptLatency(&primaries))
                    timer = hedgeAfter.map { now + $0.simulationMilliseconds }
                case .hedge(_, let rearmAfter):
                    finishes.append(now + attemptLatency(&hedges))
                    timer = rearmAfter.map { now + $0.simulationMilliseconds }
                case .startHedgeTimer(let delay):
                    timer = now + delay.simulationMilliseconds
                case .wait:
                    timer = nil
                default:
                    preconditionFailure("a call that cannot fail ends in a success (\(action))")
                }
                // The first answer wins; an answer at the timer's moment comes first, so no hedge goes out.
                let answer = finishes.min() ?? .infinity
                if let fires = timer, fires < answer {
                    now = fires
                    action = machine.hedgeTimerFired(now: .milliseconds(now))
                } else {
                    now = answer
                    action = machine.attemptSucceeded(now: .milliseconds(now))
                    break sending
                }
            }
            attempts += finishes.count
            latencies.append(now - start)
        }
        latencies.sort()
        return Row(policy: policy.name, requests: configuration.requests, attempts: attempts, successRate: 1,
                   p50Milliseconds: quantile(latencies, 0.5), p99Milliseconds: quantile(latencies, 0.99),
                   p999Milliseconds: quantile(latencies, 0.999),
                   curve: Self.curveQuantiles.map { quantile(latencies, $0) })
    }

    private func attemptLatency(_ random: inout SeededRandom) -> Double {
        let slow = random.uniform() < configuration.slowRate
        let (mean, deviation) = slow ? (configuration.slowMean, configuration.slowDeviation) : (configuration.fastMean, configuration.fastDeviation)
        return abs(random.normal(mean: mean.simulationMilliseconds, deviation: deviation.simulationMilliseconds))
    }

    /// `{"rows": [{"scenario": "hedge", "policy", "offered", "attempts", "amplification", "success_rate",
    /// "p50_ms", "p99_ms", "p999_ms", "curve": [{"q", "ms"}]}]}`; `offered` is the number of requests.
    public static func json(_ rows: [Row]) -> String {
        let items = rows.map { row in
            var object = JSONText()
            object.add("scenario", "hedge")
            object.add("policy", row.policy)
            object.add("offered", row.requests)
            object.add("attempts", row.attempts)
            object.add("amplification", row.amplification, digits: 4)
            object.add("success_rate", row.successRate, digits: 4)
            object.add("p50_ms", row.p50Milliseconds, digits: 2)
            object.add("p99_ms", row.p99Milliseconds, digits: 2)
            object.add("p999_ms", row.p999Milliseconds, digits: 2)
            let curve = zip(curveQuantiles, row.curve).map { q, ms in
                var point = JSONText()
                point.add("q", q, digits: 3)
                point.add("ms", ms, digits: 2)
                return point.object
            }
            object.add(raw: "curve", JSONText.array(curve))
            return object.object
        }
        return "{\"rows\": " + JSONText.array(items) + "}"
    }
}
