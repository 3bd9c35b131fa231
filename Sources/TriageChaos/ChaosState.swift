import Triage
import NIOCore

/// What one request will get, drawn when it is admitted.
struct ChaosPlan: Sendable {
    enum Outcome: Sendable {
        case ok
        case error(status: Int)
        case fault(ChaosFault)
    }
    var outcome: Outcome
    var latencyMilliseconds: Int
    var retryAfter: String?
    var errorBody: ChaosErrorBody
}

/// The shared, locked state of a ``ChaosServer``: the scenario, the random source, the counters and the
/// capacity slots with their queue.
final class ChaosState: Sendable {
    enum Admission {
        /// Go ahead with this plan (a slot is held).
        case admitted(ChaosPlan)
        /// Over capacity: answer this status at once.
        case rejected(status: Int, retryAfter: String?, body: ChaosErrorBody)
        /// Over capacity: the future completes with the plan when a slot frees up; `ticket` names the
        /// place in the queue for ``ChaosState/abandon(waiting:)``.
        case queued(ticket: Int, EventLoopFuture<ChaosPlan>)
    }

    private struct State {
        var scenario: ChaosScenario
        var random: SplitMix64
        var stats = ChaosStats()
        var inFlight = 0
        var waiting: [(ticket: Int, promise: EventLoopPromise<ChaosPlan>)] = []
        var nextTicket = 0
    }

    /// The most requests queued for a slot (1,024); more are rejected as over capacity.
    static let maximumWaiting = 1024

    private let state: LockedValue<State>

    init(scenario: ChaosScenario) {
        state = LockedValue(State(scenario: scenario, random: Self.random(for: scenario)))
    }

    private static func random(for scenario: ChaosScenario) -> SplitMix64 {
        SplitMix64(seed: scenario.seed ?? UInt64.random(in: .min ... .max))
    }

    var scenario: ChaosScenario { state.withLock { $0.scenario } }
    var stats: ChaosStats { state.withLock { $0.stats } }

    /// Replaces the scenario and restarts the random sequence from its seed. Requests already queued
    /// keep waiting for a slot.
    func update(_ scenario: ChaosScenario) {
        state.withLock {
            $0.scenario = scenario
            $0.random = Self.random(for: scenario)
        }
    }

    /// Zeroes the counters (the peak restarts from the requests in progress) and restarts the
    /// random sequence from the seed.
    func reset() {
        state.withLock {
            $0.stats = ChaosStats()
            $0.stats.concurrentPeak = $0.inFlight
            $0.random = Self.random(for: $0.scenario)
        }
    }

    /// Counts a request and decides whether it may proceed.
    func admit(on eventLoop: any EventLoop) -> Admission {
        state.withLock { state in
            state.stats.requests += 1
            if let capacity = state.scenario.capacity, state.inFlight >= capacity {
                if state.scenario.overCapacity == .wait, state.waiting.count < Self.maximumWaiting {
                    let promise = eventLoop.makePromise(of: ChaosPlan.self)
                    state.nextTicket += 1
                    state.waiting.append((state.nextTicket, promise))
                    return .queued(ticket: state.nextTicket, promise.futureResult)
                }
                let retryAfter = Self.pick(state.scenario.retryAfter, state.random.fraction())
                state.stats.byStatus[state.scenario.capacityStatus, default: 0] += 1
                return .rejected(status: state.scenario.capacityStatus, retryAfter: retryAfter, body: state.scenario.errorBody)
            }
            return .admitted(Self.enter(&state))
        }
    }

    /// Frees a slot; the next queued request, if any, takes it.
    func release() {
        let next: (EventLoopPromise<ChaosPlan>, ChaosPlan)? = state.withLock { state in
            state.inFlight = max(0, state.inFlight - 1)
            guard !state.waiting.isEmpty else { return nil }
            let promise = state.waiting.removeFirst().promise
            return (promise, Self.enter(&state))
        }
        if let next { next.0.succeed(next.1) }
    }

    /// Fails every queued request (at shutdown), so no promise is left unfulfilled.
    func abandonWaiting() {
        let waiting = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        for entry in waiting { entry.promise.fail(ChannelError.ioOnClosedChannel) }
    }

    /// Takes a queued request whose client went away out of the queue.
    func abandon(waiting ticket: Int) {
        let removed = state.withLock { state -> EventLoopPromise<ChaosPlan>? in
            guard let index = state.waiting.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            return state.waiting.remove(at: index).promise
        }
        removed?.fail(ChannelError.ioOnClosedChannel)
    }

    /// How many requests wait for a slot.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Counts a response status, or a fault.
    func count(status: Int) { state.withLock { $0.stats.byStatus[status, default: 0] += 1 } }
    func count(fault: ChaosFault) { state.withLock { $0.stats.faults[fault, default: 0] += 1 } }

    /// Takes a slot and draws the plan: always six draws, so counts depend only on the request count.
    private static func enter(_ state: inout State) -> ChaosPlan {
        state.inFlight += 1
        state.stats.concurrentPeak = max(state.stats.concurrentPeak, state.inFlight)
        let scenario = state.scenario
        let draws = (0..<6).map { _ in state.random.fraction() }
        let latency = scenario.latency.milliseconds(draws[0], draws[1])
        let outcome: ChaosPlan.Outcome
        if draws[2] < scenario.faultRate, !scenario.faults.isEmpty {
            outcome = .fault(scenario.faults[min(Int(draws[3] * Double(scenario.faults.count)), scenario.faults.count - 1)])
        } else if draws[4] < scenario.errorRate {
            outcome = .error(status: scenario.errorStatus)
        } else {
            outcome = .ok
        }
        return ChaosPlan(outcome: outcome, latencyMilliseconds: latency,
                         retryAfter: pick(scenario.retryAfter, draws[5]), errorBody: scenario.errorBody)
    }

    private static func pick(_ values: [String], _ draw: Double) -> String? {
        values.isEmpty ? nil : values[min(Int(draw * Double(values.count)), values.count - 1)]
    }
}
