import Triage
import TriageTestKit

/// A metastable failure, in virtual time: retries keep a server collapsed after the trigger is gone.
///
/// The server does one request at a time in `1 / capacity` seconds (default 100 req/s), first come
/// first served; a request that waited in its queue longer than `queueTimeout` (default 3 s) is dropped
/// unserved. From `dropStart` for `dropLength` (default 20 s, 10 s) its capacity falls to
/// `degradedCapacity` (default 40 req/s). Requests arrive as a Poisson process at `offered`
/// (default 80 req/s, below capacity), spread over `clients` clients (default 10); a client gives up
/// on an attempt after `attemptTimeout` (default 1 s) — the server still serves it if it gets to it,
/// which is the wasted work that sustains the collapse.
///
/// Every request is decided by the ``Pipeline``'s own `PipelineStateMachine`, fed virtual time; the
/// requests are idempotent (reads). Policies (each client has its own retry budget and breaker):
/// - `none`: one attempt;
/// - `naive`: 3 immediate retries (4 attempts), no budget;
/// - `backoff`: ``RetryPolicy/standard`` (3 attempts, full jitter 100 ms…10 s), no budget, no breaker;
/// - `triage`: what ``Pipeline/standard`` holds: ``RetryPolicy/standard`` + ``RetryBudget`` (defaults) +
///   ``CircuitBreaker`` (``CircuitBreakerPolicy/standard``) + a 30 s overall deadline.
///
/// Every policy gives an attempt `attemptTimeout` (the attempt's limit in the machine).
///
/// Measures: `recovery` is the time from the end of the drop until goodput stays at least 90 % of the
/// arrivals in every 5 s window to the end of the run (`nil`: never within `duration`); latency
/// percentiles are end to end over the requests that succeeded, retries included.
public struct MetastableSimulation: Sendable {
    /// The clients' retry behaviour.
    public enum Policy: String, Sendable, CaseIterable {
        /// One attempt, no retry.
        case none
        /// 3 immediate retries (4 attempts), no budget, no breaker.
        case naive
        /// ``RetryPolicy/standard`` alone: 3 attempts, full jitter 100 ms…10 s.
        case backoff
        /// ``RetryPolicy/standard`` + ``RetryBudget`` + ``CircuitBreaker``, per client.
        case triage
    }

    /// What to simulate. Times are virtual.
    public struct Configuration: Sendable {
        /// Requests per second the server completes normally (default 100).
        public var capacity = 100.0
        /// Requests per second the server completes during the drop (default 40).
        public var degradedCapacity = 40.0
        /// Requests per second arriving, Poisson (default 80).
        public var offered = 80.0
        /// Clients the arrivals are spread over, each with its own budget and breaker (default 10).
        public var clients = 10
        /// The run's length (default 120 s); arrivals stop at its end.
        public var duration: Duration = .seconds(120)
        /// When the capacity drop starts (default 20 s).
        public var dropStart: Duration = .seconds(20)
        /// How long the capacity drop lasts (default 10 s).
        public var dropLength: Duration = .seconds(10)
        /// How long a client waits for one attempt (default 1 s).
        public var attemptTimeout: Duration = .seconds(1)
        /// How long a request may wait in the server's queue before it is dropped unserved (default 3 s).
        public var queueTimeout: Duration = .seconds(3)
        /// Policies, in row order (default all).
        public var policies: [Policy] = Policy.allCases
        /// The seed of the arrivals and the jitter (default 1).
        public var seed: UInt64 = 1

        public init() {}

        /// - Throws: ``ConfigurationError`` for non-positive rates, counts or times, or a drop that
        ///   does not end within the run.
        public func validate() throws(ConfigurationError) {
            guard capacity > 0, degradedCapacity > 0, offered > 0, capacity.isFinite, degradedCapacity.isFinite, offered.isFinite else {
                throw ConfigurationError("MetastableSimulation.rates", "capacity, degradedCapacity and offered must be positive")
            }
            guard clients >= 1 else { throw ConfigurationError("MetastableSimulation.clients", "must be at least 1 (\(clients))") }
            guard attemptTimeout > .zero, queueTimeout > .zero, dropLength > .zero, dropStart >= .zero else {
                throw ConfigurationError("MetastableSimulation.times", "timeouts and the drop's length must be positive")
            }
            guard dropStart + dropLength + .seconds(5) <= duration else {
                throw ConfigurationError("MetastableSimulation.duration", "must last at least 5 s past the drop's end")
            }
            guard !policies.isEmpty else { throw ConfigurationError("MetastableSimulation.policies", "must not be empty") }
        }
    }

    /// One second of one policy's run.
    public struct Point: Sendable, Hashable {
        /// The second, from the start of the run.
        public var second: Int
        /// Requests that arrived in this second.
        public var arrivals: Int
        /// Requests that succeeded in this second.
        public var goodput: Int
        /// Attempts sent to the server in this second (first tries and retries).
        public var attempts: Int
    }

    /// One policy's result.
    public struct Row: Sendable, Hashable {
        public var policy: Policy
        /// Requests per second offered (the configuration's).
        public var offered: Double
        /// Requests that arrived.
        public var requests: Int
        /// Attempts that reached the server.
        public var attempts: Int
        /// `attempts / requests`.
        public var amplification: Double { requests == 0 ? 0 : Double(attempts) / Double(requests) }
        /// Share of requests that succeeded.
        public var successRate: Double
        /// Median end-to-end latency of the successful requests, in milliseconds.
        public var p50Milliseconds: Double
        /// 99th percentile end-to-end latency of the successful requests, in milliseconds.
        public var p99Milliseconds: Double
        /// Seconds from the drop's end until goodput held; `nil` when it never did.
        public var recoverySeconds: Int?
        /// Per second.
        public var series: [Point]
    }

    public let configuration: Configuration

    /// - Throws: ``ConfigurationError`` when the configuration cannot run.
    public init(_ configuration: Configuration = Configuration()) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Runs every policy on the same arrivals.
    public func run() -> [Row] {
        configuration.policies.map { policy in
            var run = MetastableRun(configuration: configuration, policy: policy)
            return run.simulate()
        }
    }

    /// `{"rows": [{"scenario": "metastable", "policy", "offered", "attempts", "amplification",
    /// "success_rate", "p50_ms", "p99_ms", "recovery_s", "series": [{"t_s", "arrivals", "goodput", "attempts"}]}]}`.
    public static func json(_ rows: [Row]) -> String {
        let items = rows.map { row in
            var object = JSONText()
            object.add("scenario", "metastable")
            object.add("policy", row.policy.rawValue)
            object.add("offered", row.offered, digits: 1)
            object.add("requests", row.requests)
            object.add("attempts", row.attempts)
            object.add("amplification", row.amplification)
            object.add("success_rate", row.successRate, digits: 4)
            object.add("p50_ms", row.p50Milliseconds, digits: 1)
            object.add("p99_ms", row.p99Milliseconds, digits: 1)
            object.add("recovery_s", row.recoverySeconds.map(Double.init), digits: 0)
            let points = row.series.map { point in
                var item = JSONText()
                item.add("t_s", point.second)
                item.add("arrivals", point.arrivals)
                item.add("goodput", point.goodput)
                item.add("attempts", point.attempts)
                return item.object
            }
            object.add(raw: "series", JSONText.array(points))
            return object.object
        }
        return "{\"rows\": " + JSONText.array(items) + "}"
    }
}
