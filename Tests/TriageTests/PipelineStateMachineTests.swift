import Testing
import Triage
import TriageTestKit

/// The decision machine on its own: events in, the exact actions out, with no clock and no task.
@Suite struct PipelineStateMachineTests {
    typealias Machine = PipelineStateMachine
    typealias Action = PipelineStateMachine.Action

    enum Event: Sendable {
        case start(Duration, cancelled: Bool = false)
        case firstAttemptFailed(Failure, at: Duration)
        case succeeded(Duration)
        case failed(Failure, at: Duration, cancelled: Bool = false)
        case timedOut(Duration)
        case hedgeTimerFired(Duration)
        case slotGranted(Duration)
        case slotRefused(Failure, at: Duration)
        case sleepFinished(Duration)
        case sleepFailed
        case refreshFinished(Duration)
        case refreshFailed(Failure)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var configuration: @Sendable () throws -> Machine.Configuration
        /// Each event and the action it must give.
        var steps: [(Event, Action)]
        /// The rules of the decision records at the end, in order.
        var rules: [DecisionRecord.Rule]
        var testDescription: String { name }
    }

    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    /// A policy whose every wait is exactly 100 ms, and draws that add no jitter.
    static func configuration(attempts: Int = 3, deadline: Duration? = nil, attemptTimeout: Duration? = nil,
                              idempotent: Bool = true, canRefresh: Bool = false) throws -> Machine.Configuration {
        Machine.Configuration(
            retry: try RetryPolicy(maxAttempts: attempts, backoff: try Backoff(.constant, base: ms(100), cap: ms(100))),
            deadline: deadline, attemptTimeout: attemptTimeout, random: RandomSource(FixedRandom(fraction: 0)),
            idempotent: idempotent, canRefresh: canRefresh)
    }

    static func attempt(_ number: Int, deadline: Duration? = nil, timeLimit: Duration? = nil, limitIsDeadline: Bool = false,
                        previous: FailureKind? = nil) -> Machine.Attempt {
        Machine.Attempt(number: number, previousFailure: previous.map { Failure($0) }, deadline: deadline, timeLimit: timeLimit,
                        limitIsDeadline: limitIsDeadline)
    }

    static let refused = Failure(.connectRefused)
    static let reset = Failure(.connectionReset)

    static let cases: [Case] = [
        Case(name: "a first success ends the call with no record", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)), (.succeeded(ms(5)), .succeed)],
             rules: []),
        Case(name: "a transient failure backs off, then the retry succeeds", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(refused, at: ms(10)), .sleep(ms(100))),
                     (.sleepFinished(ms(110)), .run(attempt(2, previous: .connectRefused), hedgeAfter: nil)),
                     (.succeeded(ms(120)), .succeed)],
             rules: [.backoff, .succeeded]),
        Case(name: "a request the server may have acted on is not resent unless idempotent",
             configuration: { try configuration(idempotent: false) },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)), (.failed(reset, at: ms(10)), .fail(reset))],
             rules: [.notIdempotent]),
        Case(name: "a 503 is resent without idempotency: it says it was not acted on",
             configuration: { try configuration(idempotent: false) },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(Failure(.httpUnavailable, status: 503), at: ms(10)), .sleep(ms(100)))],
             rules: [.backoff]),
        Case(name: "Retry-After is waited as named (no jitter at a zero draw)", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(Failure(.httpUnavailable, retryAfter: .seconds(2), status: 503), at: ms(10)), .sleep(.seconds(2)))],
             rules: [.waitAsNamed]),
        Case(name: "Retry-After above the cap ends the call", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(Failure(.httpUnavailable, retryAfter: .seconds(60), status: 503), at: ms(10)),
                      .fail(Failure(.httpUnavailable)))],
             rules: [.namedDelayAboveCap(cap: .seconds(30))]),
        Case(name: "a wait that would pass the deadline ends the call as deadline.exceeded",
             configuration: { try configuration(deadline: ms(150)) },
             steps: [(.start(.zero), .run(attempt(1, deadline: ms(150), timeLimit: ms(150), limitIsDeadline: true), hedgeAfter: nil)),
                     (.failed(refused, at: ms(100)), .fail(Failure(.deadlineExceeded, delivery: .notSent)))],
             rules: [.deadlineWouldPass]),
        Case(name: "the last attempt's failure ends the call", configuration: { try configuration(attempts: 1) },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)), (.failed(refused, at: ms(1)), .fail(refused))],
             rules: [.attemptsSpent(maxAttempts: 1)]),
        Case(name: "a conflict refreshes, waits, then retries", configuration: { try configuration(idempotent: false, canRefresh: true) },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(Failure(.httpConflict, status: 409), at: ms(10)), .refresh(Failure(.httpConflict))),
                     (.refreshFinished(ms(20)), .sleep(ms(100))),
                     (.sleepFinished(ms(120)), .run(attempt(2, previous: .httpConflict), hedgeAfter: nil))],
             rules: [.refresh]),
        Case(name: "a conflict without a refresh step ends the call", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(Failure(.httpConflict, status: 409), at: ms(10)), .fail(Failure(.httpConflict)))],
             rules: [.noRefreshStep]),
        Case(name: "a refresh step that throws ends the call with its error", configuration: { try configuration(canRefresh: true) },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(Failure(.httpConflict, status: 409), at: ms(10)), .refresh(Failure(.httpConflict))),
                     (.refreshFailed(Failure(.httpForbidden)), .fail(Failure(.httpForbidden)))],
             rules: [.refresh]),
        Case(name: "a call cancelled before it starts sends nothing", configuration: { try configuration() },
             steps: [(.start(.zero, cancelled: true), .fail(Failure(.cancelled, delivery: .notSent)))],
             rules: [.decisionNotRetried]),
        Case(name: "a cancelled attempt is not retried", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(refused, at: ms(10), cancelled: true), .fail(Failure(.cancelled, delivery: .notSent)))],
             rules: [.decisionNotRetried]),
        Case(name: "a timeout after the attempt's deadline is attempt.timeout, and retried",
             configuration: { try configuration(attemptTimeout: .seconds(1)) },
             steps: [(.start(.zero), .run(attempt(1, deadline: .seconds(1), timeLimit: .seconds(1)), hedgeAfter: nil)),
                     (.failed(Failure(.responseTimeout), at: .seconds(1)), .sleep(ms(100))),
                     (.sleepFinished(ms(1100)),
                      .run(attempt(2, deadline: ms(2100), timeLimit: .seconds(1), previous: .attemptTimeout), hedgeAfter: nil))],
             rules: [.backoff]),
        Case(name: "the attempt's limit becomes the overall deadline when that is sooner",
             configuration: { try configuration(deadline: .seconds(10), attemptTimeout: .seconds(3)) },
             steps: [(.start(.zero), .run(attempt(1, deadline: .seconds(3), timeLimit: .seconds(3)), hedgeAfter: nil)),
                     (.failed(refused, at: .seconds(3)), .sleep(ms(100))),
                     (.sleepFinished(.seconds(8)),
                      .run(attempt(2, deadline: .seconds(10), timeLimit: .seconds(2), limitIsDeadline: true, previous: .connectRefused),
                           hedgeAfter: nil))],
             rules: [.backoff]),
        Case(name: "a deadline spent during the wait ends the call before sending",
             configuration: { try configuration(deadline: ms(200)) },
             steps: [(.start(.zero), .run(attempt(1, deadline: ms(200), timeLimit: ms(200), limitIsDeadline: true), hedgeAfter: nil)),
                     (.failed(refused, at: ms(50)), .sleep(ms(100))),
                     (.sleepFinished(ms(250)), .fail(Failure(.deadlineExceeded, delivery: .notSent)))],
             rules: [.backoff, .decisionNotRetried]),
        Case(name: "the cancel enforcement's timer ends the attempt as attempt.timeout",
             configuration: { try configuration(attemptTimeout: .seconds(1)) },
             steps: [(.start(.zero), .run(attempt(1, deadline: .seconds(1), timeLimit: .seconds(1)), hedgeAfter: nil)),
                     (.timedOut(.seconds(1)), .sleep(ms(100)))],
             rules: [.backoff]),
        Case(name: "the fast path's failed first attempt joins the retry rules",
             configuration: { try configuration(deadline: .seconds(10), attemptTimeout: .seconds(3)) },
             steps: [(.firstAttemptFailed(refused, at: ms(5)), .sleep(ms(100))),
                     (.sleepFinished(ms(105)),
                      .run(attempt(2, deadline: ms(3105), timeLimit: .seconds(3), previous: .connectRefused), hedgeAfter: nil))],
             rules: [.backoff]),
        Case(name: "a bulkhead slot is waited for within the attempt's limit, which counts from before the wait",
             configuration: {
                 var setup = try configuration(attemptTimeout: .seconds(3))
                 setup.usesBulkhead = true
                 return setup
             },
             steps: [(.start(.zero), .waitForSlot(until: .seconds(3), isOverallDeadline: false)),
                     (.slotGranted(.seconds(1)), .run(attempt(1, deadline: .seconds(3), timeLimit: .seconds(2)), hedgeAfter: nil)),
                     (.succeeded(.seconds(2)), .succeed)],
             rules: []),
        Case(name: "a bulkhead refusal backs off like any local rejection",
             configuration: {
                 var setup = try configuration()
                 setup.usesBulkhead = true
                 return setup
             },
             steps: [(.start(.zero), .waitForSlot(until: nil, isOverallDeadline: false)),
                     (.slotRefused(Failure(.concurrencyLimited), at: ms(1)), .sleep(ms(100))),
                     (.sleepFinished(ms(101)), .waitForSlot(until: nil, isOverallDeadline: false))],
             rules: [.backoff]),
        Case(name: "hedges go out on each timer while the attempt runs; the first success wins",
             configuration: {
                 var setup = try configuration()
                 setup.hedging = try HedgingPolicy(delay: .fixed(ms(50)), maximumHedges: 2)
                 return setup
             },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: ms(50))),
                     (.hedgeTimerFired(ms(50)), .hedge(attempt(1), rearmAfter: ms(50))),
                     (.hedgeTimerFired(ms(100)), .hedge(attempt(1), rearmAfter: nil)),
                     (.hedgeTimerFired(ms(150)), .wait),
                     (.failed(reset, at: ms(160)), .wait),
                     (.succeeded(ms(170)), .succeed)],
             rules: []),
        Case(name: "an attempt whose sends all fail is one failure, then backs off",
             configuration: {
                 var setup = try configuration(attemptTimeout: .seconds(1))
                 setup.hedging = try HedgingPolicy(delay: .fixed(ms(50)))
                 return setup
             },
             steps: [(.start(.zero), .run(attempt(1, deadline: .seconds(1), timeLimit: .seconds(1)), hedgeAfter: ms(50))),
                     (.hedgeTimerFired(ms(50)), .hedge(attempt(1, deadline: .seconds(1), timeLimit: ms(950)), rearmAfter: nil)),
                     (.failed(reset, at: ms(60)), .wait),
                     (.failed(reset, at: ms(70)), .sleep(ms(100)))],
             rules: [.backoff]),
        Case(name: "a call that is not idempotent is not hedged",
             configuration: {
                 var setup = try configuration(idempotent: false)
                 setup.hedging = try HedgingPolicy(delay: .fixed(ms(50)))
                 return setup
             },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil))],
             rules: []),
        Case(name: "a sleep cut short ends the call as cancelled", configuration: { try configuration() },
             steps: [(.start(.zero), .run(attempt(1), hedgeAfter: nil)),
                     (.failed(refused, at: ms(10)), .sleep(ms(100))),
                     (.sleepFailed, .fail(Failure(.cancelled, delivery: .notSent)))],
             rules: [.backoff]),
    ]

    static func apply(_ event: Event, to machine: inout Machine) -> Action {
        switch event {
        case .start(let now, let cancelled): machine.start(now: now, cancelled: cancelled)
        case .firstAttemptFailed(let failure, let now):
            machine.firstAttemptFailed(failure, start: .zero, ticket: nil, now: now, cancelled: false)
        case .succeeded(let now): machine.attemptSucceeded(now: now)
        case .failed(let failure, let now, let cancelled): machine.attemptFailed(failure, now: now, cancelled: cancelled)
        case .timedOut(let now): machine.attemptTimedOut(now: now)
        case .hedgeTimerFired(let now): machine.hedgeTimerFired(now: now)
        case .slotGranted(let now): machine.slotGranted(now: now)
        case .slotRefused(let failure, let now): machine.slotRefused(failure, now: now)
        case .sleepFinished(let now): machine.sleepFinished(now: now, cancelled: false)
        case .sleepFailed: machine.sleepFailed(CancellationError())
        case .refreshFinished(let now): machine.refreshFinished(now: now, cancelled: false)
        case .refreshFailed(let failure): machine.refreshFailed(failure)
        }
    }

    @Test(arguments: cases)
    func eventsGiveTheExactActions(_ testCase: Case) throws {
        var machine = Machine(try testCase.configuration())
        for (index, (event, expected)) in testCase.steps.enumerated() {
            let action = Self.apply(event, to: &machine)
            #expect(action == expected, "step \(index + 1): \(event)")
        }
        #expect(machine.history.map(\.rule) == testCase.rules)
    }

    @Test func aFailedActionCarriesTheWholeHistory() throws {
        var machine = Machine(try Self.configuration(attempts: 2))
        _ = machine.start(now: .zero, cancelled: false)
        _ = machine.attemptFailed(Self.refused, now: Self.ms(10), cancelled: false)
        _ = machine.sleepFinished(now: Self.ms(110), cancelled: false)
        guard case .fail(let failure) = machine.attemptFailed(Self.refused, now: Self.ms(120), cancelled: false) else {
            Issue.record("the last attempt's failure must end the call"); return
        }
        #expect(failure.history.map(\.action) == [.retry, .gaveUp])
        #expect(failure.history.map(\.elapsed) == [Self.ms(10), Self.ms(120)])
    }

    @Test func anOpenBreakerIsWaitedOutThenProbed() throws {
        let breaker = CircuitBreaker(policy: try CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(10)))
        var configuration = try Self.configuration()
        configuration.breaker = breaker
        var machine = Machine(configuration)
        #expect(machine.start(now: .zero, cancelled: false) == .run(Self.attempt(1), hedgeAfter: nil))
        #expect(machine.attemptFailed(Self.refused, now: .zero, cancelled: false) == .sleep(Self.ms(100)))
        #expect(breaker.phase == .open)
        // Rejected with the open time left, which is waited as named (no jitter: each rejection has its own moment).
        #expect(machine.sleepFinished(now: Self.ms(100), cancelled: false) == .sleep(Self.ms(9_900)))
        #expect(machine.sleepFinished(now: .seconds(10), cancelled: false)
                == .run(Self.attempt(3, previous: .circuitOpen), hedgeAfter: nil))
        #expect(machine.attemptSucceeded(now: .seconds(10)) == .succeed)
        #expect(breaker.phase == .closed)
        #expect(machine.history.map(\.rule) == [.backoff, .waitAsNamed, .succeeded])
        #expect(machine.history[1].delaySource == .breaker)
    }

    @Test func aProbeThatEndsBeforeSendingGivesItsSlotBack() throws {
        let breaker = CircuitBreaker(policy: try CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(1)))
        var configuration = try Self.configuration(deadline: .seconds(2))
        configuration.breaker = breaker
        configuration.usesBulkhead = true
        var machine = Machine(configuration)
        #expect(machine.start(now: .zero, cancelled: false) == .waitForSlot(until: .seconds(2), isOverallDeadline: true))
        _ = machine.slotGranted(now: .zero)
        _ = machine.attemptFailed(Self.refused, now: .zero, cancelled: false)
        // The probe is admitted, then the bulkhead refuses it: the next caller may probe at once.
        #expect(machine.sleepFinished(now: .seconds(1), cancelled: false) == .waitForSlot(until: .seconds(2), isOverallDeadline: true))
        _ = machine.slotRefused(Failure(.concurrencyLimited), now: .seconds(1))
        var other = Machine(configuration)
        #expect(other.start(now: .seconds(1), cancelled: false) == .waitForSlot(until: .seconds(3), isOverallDeadline: true))
    }

    @Test func aSpentBudgetEndsTheCall() throws {
        let budget = try RetryBudget(maximumTokens: 2, minimumRetriesPerSecond: 0)
        var configuration = try Self.configuration()
        configuration.budget = budget
        var machine = Machine(configuration)
        _ = machine.start(now: .zero, cancelled: false)
        // The failure takes a token (1 left, not above half the maximum) and the retry finds none to spare.
        #expect(machine.attemptFailed(Self.refused, now: Self.ms(1), cancelled: false) == .fail(Failure(.budgetExhausted, delivery: .notSent)))
        #expect(machine.history.map(\.rule) == [.budgetSpent])
    }

    @Test func aHedgeTheBudgetRefusesIsNotSent() throws {
        let budget = try RetryBudget(maximumTokens: 2, minimumRetriesPerSecond: 0)
        budget.recordFailure()
        budget.recordFailure()
        var configuration = try Self.configuration()
        configuration.budget = budget
        configuration.hedging = try HedgingPolicy(delay: .fixed(Self.ms(50)), maximumHedges: 2)
        var machine = Machine(configuration)
        #expect(machine.start(now: .zero, cancelled: false) == .run(Self.attempt(1), hedgeAfter: Self.ms(50)))
        #expect(machine.hedgeTimerFired(now: Self.ms(50)) == .startHedgeTimer(Self.ms(50)))
        #expect(machine.hedgeTimerFired(now: Self.ms(100)) == .wait)
        #expect(machine.attemptSucceeded(now: Self.ms(120)) == .succeed)
    }

    @Test func aThrottleRejectionIsNotSent() throws {
        let throttle = try AdaptiveThrottle()
        for _ in 0..<100 { throttle.record(accepted: false, now: .zero) }
        var configuration = try Self.configuration()
        configuration.throttle = throttle
        var machine = Machine(configuration)
        #expect(machine.start(now: .zero, cancelled: false) == .sleep(Self.ms(100)))
        #expect(machine.history.first?.kind == .concurrencyLimited)
    }
}
