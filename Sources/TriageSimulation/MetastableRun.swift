import Triage
import TriageTestKit

/// One policy's run of ``MetastableSimulation``: the event loop and its state. Times in milliseconds.
///
/// Each request is decided by the ``Pipeline``'s own `PipelineStateMachine` (breaker tickets, the
/// retry budget, the verdict rules, the deadline), fed virtual time: the loop only carries out its
/// actions (send an attempt to the server, sleep) and tells it how each attempt ended.
struct MetastableRun {
    private enum Event {
        case arrival
        case wake(request: Int)
        case serviceDone(attempt: Int)
        case timeout(attempt: Int)
    }

    private struct Request {
        var start: Double
        var machine: PipelineStateMachine
    }

    private let configuration: MetastableSimulation.Configuration
    private let policy: MetastableSimulation.Policy
    /// Each client's policies: the real Triage types (or none), shared by its requests.
    private var clients: [PipelineStateMachine.Configuration] = []
    private var queue = EventQueue<Event>()
    private var arrivalRandom: SeededRandom

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
    private let queueTimeoutMs: Double

    init(configuration: MetastableSimulation.Configuration, policy: MetastableSimulation.Policy) {
        self.configuration = configuration
        self.policy = policy
        arrivalRandom = SeededRandom.derived(configuration.seed, 2, 0)
        durationMs = configuration.duration.simulationMilliseconds
        dropStartMs = configuration.dropStart.simulationMilliseconds
        dropEndMs = dropStartMs + configuration.dropLength.simulationMilliseconds
        queueTimeoutMs = configuration.queueTimeout.simulationMilliseconds
        let seconds = Int((durationMs / 1000).rounded(.up))
        series = (0..<seconds).map { MetastableSimulation.Point(second: $0, arrivals: 0, goodput: 0, attempts: 0) }
        let jitter = RandomSource(SeededRandom.derived(configuration.seed, 2, 1))
        for _ in 0..<configuration.clients {
            clients.append(Self.client(policy, attemptTimeout: configuration.attemptTimeout, random: jitter))
        }
    }

    /// A client's policies. Requests are idempotent (reads), so a timed-out attempt may be resent.
    private static func client(_ policy: MetastableSimulation.Policy, attemptTimeout: Duration,
                               random: RandomSource) -> PipelineStateMachine.Configuration {
        var client = PipelineStateMachine.Configuration(retry: .never, attemptTimeout: attemptTimeout, random: random, idempotent: true)
        switch policy {
        case .none:
            break
        case .naive:
            client.retry = RetryPolicy(maximumAttempts: 4, backoff: Backoff(.constant, base: .zero, cap: .zero))
        case .backoff:
            client.retry = .standard
        case .triage:
            // What `Pipeline.standard` holds: the budget, the breaker and the 30 s deadline.
            client.retry = .standard
            client.budget = RetryBudget()
            client.breaker = CircuitBreaker()
            client.deadline = .seconds(30)
        }
        return client
    }

    mutating func simulate() -> MetastableSimulation.Row {
        queue.schedule(.arrival, at: arrivalRandom.exponential(mean: 1000 / configuration.offered))
        while let (now, event) = queue.next() {
            switch event {
            case .arrival:
                guard now < durationMs else { continue }
                let client = min(Int(arrivalRandom.uniform() * Double(configuration.clients)), configuration.clients - 1)
                requests.append(Request(start: now, machine: PipelineStateMachine(clients[client])))
                bucket(now) { $0.arrivals += 1 }
                let index = requests.count - 1
                carryOut(requests[index].machine.start(now: .milliseconds(now), cancelled: false), for: index, now: now)
                queue.schedule(.arrival, at: now + arrivalRandom.exponential(mean: 1000 / configuration.offered))
            case .wake(let index):
                carryOut(requests[index].machine.sleepFinished(now: .milliseconds(now), cancelled: false), for: index, now: now)
            case .serviceDone(let id):
                serverBusy = false
                if attemptLive[id] {
                    attemptLive[id] = false
                    let index = attemptRequest[id]
                    carryOut(requests[index].machine.attemptSucceeded(now: .milliseconds(now)), for: index, now: now)
                }
                serve(now: now)
            case .timeout(let id):
                guard attemptLive[id] else { continue }
                attemptLive[id] = false
                let index = attemptRequest[id]
                let failure = Failure(.attemptTimeout, detail: "no response within the attempt timeout")
                carryOut(requests[index].machine.attemptFailed(failure, now: .milliseconds(now), cancelled: false), for: index, now: now)
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

    /// Does what request `index`'s machine asked at `now`.
    private mutating func carryOut(_ action: PipelineStateMachine.Action, for index: Int, now: Double) {
        switch action {
        case .run(let attempt, _):
            let id = attemptRequest.count
            attemptRequest.append(index)
            attemptLive.append(true)
            bucket(now) { $0.attempts += 1 }
            serverQueue.append((id, now))
            let limit = attempt.timeLimit ?? configuration.attemptTimeout
            queue.schedule(.timeout(attempt: id), at: now + limit.simulationMilliseconds)
            if !serverBusy { serve(now: now) }
        case .sleep(let delay):
            queue.schedule(.wake(request: index), at: now + delay.simulationMilliseconds)
        case .succeed:
            succeeded += 1
            latencies.append(now - requests[index].start)
            bucket(now) { $0.goodput += 1 }
        case .fail:
            break
        case .waitForSlot, .hedge, .startHedgeTimer, .refresh, .wait:
            preconditionFailure("no bulkhead, hedging or refresh step in this simulation (\(action))")
        }
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
