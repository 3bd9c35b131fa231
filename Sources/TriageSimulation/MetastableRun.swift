import Triage
import TriageTestKit

/// One policy's run of ``MetastableSimulation``: the event loop and its state. Times in milliseconds.
struct MetastableRun {
    private enum Event {
        case arrival
        case attempt(request: Int)
        case serviceDone(attempt: Int)
        case timeout(attempt: Int)
    }

    /// A client's policies: the real Triage types (or none).
    private struct Client {
        var retry: RetryPolicy
        var budget: RetryBudget?
        var breaker: CircuitBreaker?
    }

    private struct Request {
        var start: Double
        var client: Int
        var attempts = 0
        var previousDelay: Duration?
    }

    private let configuration: MetastableSimulation.Configuration
    private let policy: MetastableSimulation.Policy
    private var clients: [Client] = []
    private var queue = EventQueue<Event>()
    private var arrivalRandom: SeededRandom
    private var jitterRandom: SeededRandom

    private var requests: [Request] = []
    private var attemptRequest: [Int] = []
    private var attemptLive: [Bool] = []
    private var serverQueue: [(attempt: Int, enqueued: Double)] = []
    private var serverHead = 0
    private var serverBusy = false

    private var series: [MetastableSimulation.Point]
    private var latencies: [Double] = []
    private var succeeded = 0

    private let durationMs: Double, dropStartMs: Double, dropEndMs: Double
    private let timeoutMs: Double, queueTimeoutMs: Double

    init(configuration: MetastableSimulation.Configuration, policy: MetastableSimulation.Policy) {
        self.configuration = configuration
        self.policy = policy
        arrivalRandom = SeededRandom.derived(configuration.seed, 2, 0)
        jitterRandom = SeededRandom.derived(configuration.seed, 2, 1)
        durationMs = configuration.duration.simulationMilliseconds
        dropStartMs = configuration.dropStart.simulationMilliseconds
        dropEndMs = dropStartMs + configuration.dropLength.simulationMilliseconds
        timeoutMs = configuration.attemptTimeout.simulationMilliseconds
        queueTimeoutMs = configuration.queueTimeout.simulationMilliseconds
        let seconds = Int((durationMs / 1000).rounded(.up))
        series = (0..<seconds).map { MetastableSimulation.Point(second: $0, arrivals: 0, goodput: 0, attempts: 0) }
        for _ in 0..<configuration.clients {
            switch policy {
            case .none:
                clients.append(Client(retry: .never))
            case .naive:
                let immediate = try! Backoff(.constant, base: .zero, cap: .zero)
                clients.append(Client(retry: try! RetryPolicy(maxAttempts: 4, backoff: immediate)))
            case .backoff:
                clients.append(Client(retry: .standard))
            case .triage:
                clients.append(Client(retry: .standard, budget: try! RetryBudget(), breaker: CircuitBreaker(policy: .standard)))
            }
        }
    }

    mutating func simulate() -> MetastableSimulation.Row {
        queue.schedule(.arrival, at: arrivalRandom.exponential(mean: 1000 / configuration.offered))
        while let (now, event) = queue.next() {
            switch event {
            case .arrival:
                guard now < durationMs else { continue }
                let client = Int(arrivalRandom.uniform() * Double(configuration.clients))
                requests.append(Request(start: now, client: min(client, configuration.clients - 1)))
                bucket(now) { $0.arrivals += 1 }
                attempt(requests.count - 1, now: now)
                queue.schedule(.arrival, at: now + arrivalRandom.exponential(mean: 1000 / configuration.offered))
            case .attempt(let request):
                attempt(request, now: now)
            case .serviceDone(let id):
                serverBusy = false
                if attemptLive[id] {
                    attemptLive[id] = false
                    succeed(attemptRequest[id], now: now)
                }
                serve(now: now)
            case .timeout(let id):
                guard attemptLive[id] else { continue }
                attemptLive[id] = false
                fail(attemptRequest[id], Failure(.attemptTimeout, detail: "no response within the attempt timeout"), sent: true, now: now)
            }
        }
        latencies.sort()
        return MetastableSimulation.Row(
            policy: policy, offered: configuration.offered, requests: requests.count, attempts: attemptRequest.count,
            successRate: requests.isEmpty ? 0 : Double(succeeded) / Double(requests.count),
            p50Milliseconds: quantile(latencies, 0.5), p99Milliseconds: quantile(latencies, 0.99),
            recoverySeconds: recovery(), series: series)
    }

    // MARK: - Client

    private mutating func attempt(_ index: Int, now: Double) {
        requests[index].attempts += 1
        let client = clients[requests[index].client]
        if let breaker = client.breaker, case .reject(let remaining) = breaker.admit(now: .milliseconds(now)) {
            fail(index, Failure(.circuitOpen, retryAfter: remaining, detail: "circuit open"), sent: false, now: now)
            return
        }
        let id = attemptRequest.count
        attemptRequest.append(index)
        attemptLive.append(true)
        bucket(now) { $0.attempts += 1 }
        serverQueue.append((id, now))
        queue.schedule(.timeout(attempt: id), at: now + timeoutMs)
        if !serverBusy { serve(now: now) }
    }

    private mutating func succeed(_ index: Int, now: Double) {
        let client = clients[requests[index].client]
        client.budget?.recordSuccess()
        client.breaker?.record(success: true, counted: true, retryAfter: nil, now: .milliseconds(now))
        succeeded += 1
        latencies.append(now - requests[index].start)
        bucket(now) { $0.goodput += 1 }
    }

    /// What ``Pipeline`` does after a failed attempt: count it, decide, then ask the budget.
    private mutating func fail(_ index: Int, _ failure: Failure, sent: Bool, now: Double) {
        let client = clients[requests[index].client]
        if sent {
            let counted = CircuitBreakerPolicy.countsFailure(failure)
            if counted { client.budget?.recordFailure() }
            client.breaker?.record(success: false, counted: counted, retryAfter: failure.retryAfter, now: .milliseconds(now))
        }
        let number = requests[index].attempts
        guard client.retry.retriedDecisions.contains(failure.decision), number < client.retry.maxAttempts else { return }
        let delay: Duration
        if let named = failure.retryAfter {
            guard named <= client.retry.maximumRetryAfter else { return }
            delay = named
        } else {
            delay = client.retry.backoff.delay(retry: number, previous: requests[index].previousDelay, using: &jitterRandom).delay
        }
        if let budget = client.budget, !budget.tryRetry(atSecond: Int64(now / 1000)) { return }
        requests[index].previousDelay = delay
        queue.schedule(.attempt(request: index), at: now + delay.simulationMilliseconds)
    }

    // MARK: - Server

    private mutating func serve(now: Double) {
        while serverHead < serverQueue.count {
            let (id, enqueued) = serverQueue[serverHead]
            serverHead += 1
            if serverHead > 4096 {
                serverQueue.removeFirst(serverHead)
                serverHead = 0
            }
            if now - enqueued > queueTimeoutMs { continue }  // dropped unserved
            let capacity = (dropStartMs..<dropEndMs).contains(now) ? configuration.degradedCapacity : configuration.capacity
            serverBusy = true
            queue.schedule(.serviceDone(attempt: id), at: now + 1000 / capacity)
            return
        }
    }

    // MARK: - Measures

    private mutating func bucket(_ now: Double, _ update: (inout MetastableSimulation.Point) -> Void) {
        let second = Int(now / 1000)
        guard series.indices.contains(second) else { return }
        update(&series[second])
    }

    /// Whole seconds from the drop's end to the first second after which every 5 s window keeps
    /// goodput ≥ 90 % of arrivals; `nil` if there is none.
    private func recovery() -> Int? {
        let window = 5
        let end = Int(dropEndMs / 1000)
        let lastStart = series.count - window
        guard lastStart >= end else { return nil }
        var candidate: Int?
        for start in stride(from: lastStart, through: end, by: -1) {
            let slice = series[start..<start + window]
            let goodput = slice.reduce(0) { $0 + $1.goodput }
            let arrivals = slice.reduce(0) { $0 + $1.arrivals }
            guard Double(goodput) >= 0.9 * Double(arrivals) else { break }
            candidate = start
        }
        return candidate.map { $0 - end }
    }
}
