import Triage
import TriageTestKit

/// The experiment of AWS's "Exponential Backoff and Jitter", in virtual time with Triage's own
/// ``Backoff``: N clients each update one row once with optimistic concurrency.
///
/// One attempt is a read (the row's version) and a conditional write (succeeds only if the version
/// is unchanged): four messages, each taking |Normal(`messageMean`, `messageDeviation`)|. A client
/// whose write loses waits `backoff.delay(retry: n, …)` and starts again; all clients start at 0.
/// Each (clients, policy) cell is the mean over `trials` runs:
/// - `calls`: attempts (read + conditional write) by all clients until every one has written;
/// - `time_ms`: virtual time until the last client has written.
///
/// Trial `t` with `c` clients uses the same random stream for every policy (derived from `seed`, `c`
/// and `t`), so runs are reproducible and the policies are compared on equal terms.
public struct JitterSimulation: Sendable {
    /// How a losing client waits, as a Triage ``Backoff`` strategy.
    public enum Policy: String, Sendable, CaseIterable {
        /// Retry at once.
        case none
        /// `min(cap, base × 2^(n−1))`, no jitter.
        case exponential
        /// Full jitter: `random(0, min(cap, base × 2^(n−1)))`.
        case full
        /// Equal jitter: half the exponential value plus a random half.
        case equal
        /// Decorrelated jitter: `min(cap, random(base, 3 × previous))`.
        case decorrelated

        /// The Triage backoff this policy runs with.
        public func backoff(base: Duration, cap: Duration) -> Backoff {
            switch self {
            case .none: return Backoff(.constant, base: .zero, cap: .zero)
            case .exponential: return Backoff(.exponential, base: base, cap: cap)
            case .full: return Backoff(.fullJitter, base: base, cap: cap)
            case .equal: return Backoff(.equalJitter, base: base, cap: cap)
            case .decorrelated: return Backoff(.decorrelatedJitter, base: base, cap: cap)
            }
        }
    }

    /// What to simulate. Defaults are the AWS post's.
    public struct Configuration: Sendable {
        /// Client counts, one row group each (default 10, 20, 30, 40, 50, 100).
        public var clients: [Int] = [10, 20, 30, 40, 50, 100]
        /// Policies, in row order (default all).
        public var policies: [Policy] = Policy.allCases
        /// Runs averaged per cell (default 100).
        public var trials = 100
        /// Backoff base (default 5 ms).
        public var base: Duration = .milliseconds(5)
        /// Backoff cap (default 2000 ms).
        public var cap: Duration = .milliseconds(2000)
        /// The mean of one message's delay, |Normal(mean, deviation)| (default 10 ms).
        public var messageMean: Duration = .milliseconds(10)
        /// The standard deviation of one message's delay (default 2 ms).
        public var messageDeviation: Duration = .milliseconds(2)
        /// The seed every trial's random stream is derived from (default 1).
        public var seed: UInt64 = 1

        public init() {}

        /// - Throws: ``ConfigurationError`` for no clients or policies, fewer than 1 client or trial,
        ///   negative times, or `cap < base`.
        public func validate() throws(ConfigurationError) {
            guard !clients.isEmpty, clients.allSatisfy({ $0 >= 1 }) else {
                throw ConfigurationError("JitterSimulation.clients", "must list at least one count, each at least 1 (\(clients))")
            }
            guard !policies.isEmpty else { throw ConfigurationError("JitterSimulation.policies", "must not be empty") }
            guard trials >= 1 else { throw ConfigurationError("JitterSimulation.trials", "must be at least 1 (\(trials))") }
            guard messageMean >= .zero, messageDeviation >= .zero else {
                throw ConfigurationError("JitterSimulation.message", "mean and deviation must not be negative")
            }
            for policy in policies { try policy.backoff(base: base, cap: cap).validate() }
        }
    }

    /// One cell: means over the trials.
    public struct Row: Sendable, Hashable {
        public var clients: Int
        public var policy: Policy
        /// Mean attempts (read + conditional write) per trial.
        public var calls: Double
        /// Mean virtual time until every client has written, in milliseconds.
        public var timeMilliseconds: Double
    }

    public let configuration: Configuration

    /// - Throws: ``ConfigurationError`` when the configuration cannot run.
    public init(_ configuration: Configuration = Configuration()) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Runs every cell, rows ordered by clients, then policy.
    public func run() -> [Row] {
        var rows: [Row] = []
        for clients in configuration.clients {
            for policy in configuration.policies {
                let backoff = policy.backoff(base: configuration.base, cap: configuration.cap)
                var calls = 0.0, time = 0.0
                for trial in 0..<configuration.trials {
                    var random = SeededRandom.derived(configuration.seed, 1, UInt64(clients), UInt64(trial))
                    let result = Self.trial(clients: clients, backoff: backoff, configuration: configuration, random: &random)
                    calls += Double(result.calls)
                    time += result.milliseconds
                }
                let trials = Double(configuration.trials)
                rows.append(Row(clients: clients, policy: policy, calls: calls / trials, timeMilliseconds: time / trials))
            }
        }
        return rows
    }

    private enum Event {
        case start(Int), readArrives(Int), readReturns(Int), writeArrives(Int), writeReturns(Int, won: Bool)
    }

    /// One run: every client writes once. Returns the attempts and the time the last write returned.
    static func trial(clients: Int, backoff: Backoff, configuration: Configuration,
                      random: inout SeededRandom) -> (calls: Int, milliseconds: Double) {
        let mean = configuration.messageMean.simulationMilliseconds
        let deviation = configuration.messageDeviation.simulationMilliseconds
        var queue = EventQueue<Event>()
        var version = 0
        var seen = [Int](repeating: 0, count: clients)
        var retries = [Int](repeating: 0, count: clients)
        var previous = [Duration?](repeating: nil, count: clients)
        var calls = 0, done = 0
        var finished = 0.0
        for client in 0..<clients { queue.schedule(.start(client), at: 0) }
        while let (now, event) = queue.next() {
            let message = now + abs(random.normal(mean: mean, deviation: deviation))
            switch event {
            case .start(let client):
                calls += 1
                queue.schedule(.readArrives(client), at: message)
            case .readArrives(let client):
                seen[client] = version
                queue.schedule(.readReturns(client), at: message)
            case .readReturns(let client):
                queue.schedule(.writeArrives(client), at: message)
            case .writeArrives(let client):
                let won = seen[client] == version
                if won { version += 1 }
                queue.schedule(.writeReturns(client, won: won), at: message)
            case .writeReturns(let client, let won):
                if won {
                    done += 1
                    finished = now
                    if done == clients { return (calls, finished) }
                } else {
                    retries[client] += 1
                    let draw = backoff.delay(retry: retries[client], previous: previous[client], using: &random)
                    previous[client] = draw.delay
                    queue.schedule(.start(client), at: now + draw.delay.simulationMilliseconds)
                }
            }
        }
        return (calls, finished)
    }

    /// `{"rows": [{"scenario": "jitter", "clients", "policy", "calls", "time_ms"}, …]}`.
    public static func json(_ rows: [Row]) -> String {
        let items = rows.map { row in
            var object = JSONText()
            object.add("scenario", "jitter")
            object.add("clients", row.clients)
            object.add("policy", row.policy.rawValue)
            object.add("calls", row.calls, digits: 2)
            object.add("time_ms", row.timeMilliseconds, digits: 1)
            return object.object
        }
        return "{\"rows\": " + JSONText.array(items) + "}"
    }
}
