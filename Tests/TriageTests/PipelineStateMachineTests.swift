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
            retry: RetryPolicy(maximumAttempts: attempts, backoff: Backoff(.constant, base: ms(100), cap: ms(100))),
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

    @Test func retryAfterGetsItsJitterOnTopNeverBelow() throws {
        var configuration = try Self.configuration()
        configuration.random = RandomSource(FixedRandom(fraction: 0.5))
        var machine = Machine(configuration)
        _ = machine.start(now: .zero, cancelled: false)
        // Half of the spread: max(2 s / 10, the backoff's 100 ms base) = 200 ms, so 100 ms on top.
        let failure = Failure(.httpUnavailable, retryAfter: .seconds(2), status: 503)
        #expect(machine.attemptFailed(failure, now: .zero, cancelled: false) == .sleep(.milliseconds(2_100)))
    }

    @Test func anOpenBreakerIsWaitedOutThenProbed() throws {
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(10)))
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

    /// A caller that finds the half-open breaker's probe taken backs off by the formula (issue 11, item
    /// 2): the breaker names no time then, and a zero delay would send every waiting caller straight back.
    @Test func aCallerThatLosesTheProbeRaceBacksOff() throws {
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(1),
                                                                      halfOpenProbes: 1))
        var configuration = try Self.configuration()
        configuration.breaker = breaker
        var prober = Machine(configuration)
        _ = prober.start(now: .zero, cancelled: false)
        #expect(prober.attemptFailed(Self.refused, now: .zero, cancelled: false) == .sleep(Self.ms(100)))
        #expect(prober.sleepFinished(now: .seconds(2), cancelled: false)
                == .run(Self.attempt(2, previous: .connectRefused), hedgeAfter: nil), "the probe")
        var loser = Machine(configuration)
        #expect(loser.start(now: .seconds(2), cancelled: false) == .sleep(Self.ms(100)))
        #expect(loser.history.map(\.rule) == [.backoff])
        #expect(loser.history.first?.kind == .circuitOpen)
    }

    @Test func aProbeThatEndsBeforeSendingGivesItsSlotBack() throws {
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(1)))
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

    /// A cancelled caller begins no further attempt after a refused slot or a timed-out attempt, even
    /// when the verdict's delay is zero (a `Retry-After: 0` with no jitter drawn).
    @Test func aCancelledCallerBeginsNoAttemptAfterARefusedSlotOrATimeout() throws {
        func cancelledKind(_ action: Machine.Action) -> Bool {
            if case .fail(let failure) = action { return failure.kind == .cancelled }
            return false
        }
        var configuration = try Self.configuration()
        configuration.usesBulkhead = true
        var refused = Machine(configuration)
        _ = refused.start(now: .zero, cancelled: false)
        let throttled = Failure(.httpThrottled, delivery: .notSent, retryAfter: .zero)
        let afterSlot = refused.slotRefused(throttled, now: Self.ms(1), cancelled: true)
        #expect(cancelledKind(afterSlot), "\(afterSlot)")
        var timedOut = Machine(try Self.configuration(attemptTimeout: .seconds(1)))
        _ = timedOut.start(now: .zero, cancelled: false)
        let afterTimeout = timedOut.attemptTimedOut(now: .seconds(1), cancelled: true)
        #expect(cancelledKind(afterTimeout), "\(afterTimeout)")
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
        configuration.hedging = HedgingPolicy(delay: .fixed(Self.ms(50)), maximumHedges: 2)
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
