import Synchronization
import Testing
import TriageTestKit

@Suite struct PipelineTests {
    func pipeline(_ clock: ManualClock, attempts: Int = 3, budget: RetryBudget? = nil, breaker: CircuitBreaker? = nil,
                  timeout: Duration? = nil, attemptTimeout: Duration? = nil, maximumRetryAfter: Duration = .seconds(30),
                  enforcement: TimeoutEnforcement = .cooperative,
                  observer: (@Sendable (DecisionRecord) -> Void)? = nil) throws -> Pipeline<ManualClock> {
        Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: attempts, maximumRetryAfter: maximumRetryAfter), budget: budget,
                 breaker: breaker, deadline: timeout, attemptTimeout: attemptTimeout, timeoutEnforcement: enforcement, observer: observer)
    }

    @Test func transientFailuresAreRetriedWithBackoffUntilSuccess() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let records = LockedValue<[DecisionRecord]>([])
        let pipeline = try pipeline(clock, observer: { record in records.withLock { $0.append(record) } })
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                if calls.increment() < 3 { throw Transient() }
                return "done"
            }
        }
        #expect(try result.get() == "done")
        #expect(calls.count == 3)
        let history = records.withLock { $0 }
        #expect(history.map(\.action) == [.retry, .retry, .succeeded])
        guard case .backoff(.fullJitter, let ceiling, let random)? = history[1].delaySource else {
            Issue.record("no backoff source"); return
        }
        #expect(ceiling == .milliseconds(200))
        #expect(random != nil)
        #expect(clock.now.offset > .zero)
    }

    @Test func permanentFailuresAreNotRetried() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock)
        let result = await drive(clock) { try await pipeline.run(idempotent: true) { _ in calls.increment(); throw NotFound() } }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .httpNotFound)
        #expect(calls.count == 1)
        #expect(failure.history.count == 1)
        #expect(failure.history[0].action == .gaveUp)
    }

    @Test func maybeProcessedIsRetriedOnlyWhenIdempotent() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock)
        let unsafe = await drive(clock) { try await pipeline.run(idempotent: false) { _ in calls.increment(); throw ResetError() } }
        #expect((unsafe.failure as? Failure)?.kind == .connectionReset)
        #expect(calls.count == 1)
        let safe = await drive(clock) { try await pipeline.run(idempotent: true) { _ in calls.increment(); throw ResetError() } }
        #expect((safe.failure as? Failure)?.history.count == 3)
        #expect(calls.count == 4)
    }

    @Test func retryAfterIsHonouredWithJitterOnTop() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock)
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                if calls.increment() == 1 { throw Throttled(delay: .seconds(7)) }
                return 1
            }
        }
        #expect(try result.get() == 1)
        // As named, with at most a tenth of it as jitter on top (RetryPolicy.retryAfterJitter).
        #expect(clock.now.offset >= .seconds(7) && clock.now.offset <= .milliseconds(7700), "\(clock.now.offset)")
    }

    @Test func retryAfterAboveTheCapEndsWithTheDelay() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock, maximumRetryAfter: .seconds(5))
        let result = await drive(clock) { try await pipeline.run(idempotent: true) { _ in calls.increment(); throw Throttled(delay: .seconds(60)) } }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.decision == .retryAfter)
        #expect(failure.retryAfter == .seconds(60))
        #expect(calls.count == 1)
        #expect(clock.now.offset == .zero)
    }

    @Test func theDeadlineCutsABackoffShort() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock, attempts: 5, timeout: .seconds(5))
        let result = await drive(clock) { try await pipeline.run(idempotent: true) { _ in calls.increment(); throw Throttled(delay: .seconds(3)) } }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .deadlineExceeded)
        #expect(failure.decision == .stop)
        #expect(calls.count == 2)
        #expect(clock.now.offset >= .seconds(3) && clock.now.offset <= .milliseconds(3300), "\(clock.now.offset)")
        #expect((failure.underlying as? Failure)?.kind == .httpThrottled)
    }

    @Test func anAttemptThatTakesTooLongTimesOut() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock, attempts: 2, attemptTimeout: .seconds(1), enforcement: .cancel)
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                calls.increment()
                try await clock.sleep(until: clock.now.advanced(by: .seconds(60)), tolerance: nil)
                return 0
            }
        }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .attemptTimeout)
        #expect(failure.history.first?.kind == .attemptTimeout)
        #expect(calls.count == 2)
    }

    @Test func cancellationDuringABackoffIsNotRetried() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock)
        let task = Task { try await pipeline.run(idempotent: true) { _ in calls.increment(); throw Throttled(delay: .seconds(10)) } }
        await clock.waitForSleepers(1)
        task.cancel()
        let failure = try #require(await task.result.failure as? Failure)
        #expect(failure.kind == .cancelled)
        #expect(failure.decision == .stop)
        #expect(calls.count == 1)
    }

    @Test func conflictsAreRefreshedThenRetried() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let refreshes = Counter()
        let pipeline = try pipeline(clock)
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true, refresh: { _ in refreshes.increment() }) { _ in
                if calls.increment() == 1 { throw Conflict() }
                return "written"
            }
        }
        #expect(try result.get() == "written")
        #expect(refreshes.count == 1)
        let withoutRefresh = await drive(clock) { try await pipeline.run(idempotent: true) { _ in throw Conflict() } }
        #expect((withoutRefresh.failure as? Failure)?.history.count == 1)
    }

    @Test func theBudgetKeepsAnOutageFromMultiplyingLoad() async throws {
        let clock = ManualClock()
        let plain = Counter()
        let budgeted = Counter()
        let withoutBudget = try pipeline(clock)
        // No per-second floor here: sequential calls in virtual time would make any floor look large.
        // The floor's share at a realistic request rate is measured in RetryBudgetTests.
        let withBudget = try pipeline(clock, budget: try RetryBudget(minimumRetriesPerSecond: 0))
        for _ in 0..<300 {
            _ = await drive(clock) { try await withoutBudget.run(idempotent: true) { _ in plain.increment(); throw Transient() } }
            _ = await drive(clock) { try await withBudget.run(idempotent: true) { _ in budgeted.increment(); throw Transient() } }
        }
        #expect(plain.count == 900)
        // ≤ 1.1× the offered 300 requests.
        #expect(budgeted.count <= 330, "\(budgeted.count)")
        let exhausted = await drive(clock) { try await withBudget.run(idempotent: true) { _ in throw Transient() } }
        #expect([FailureKind.budgetExhausted, .httpUnavailable].contains((exhausted.failure as? Failure)?.kind))
    }

    @Test func delaysTheServerNamedCostBudgetTokensToo() async throws {
        let clock = ManualClock()
        let budget = try RetryBudget(minimumRetriesPerSecond: 0)
        let pipeline = try pipeline(clock, budget: budget)
        _ = await drive(clock) { try await pipeline.run(idempotent: true) { _ -> Int in throw Throttled(delay: .seconds(1)) } }
        #expect(budget.level == 7)
        for _ in 0..<20 {
            _ = await drive(clock) { try await pipeline.run(idempotent: true) { _ -> Int in throw Throttled(delay: .seconds(1)) } }
        }
        #expect(budget.level == 0)
        #expect(budget.counts.refused > 0)
    }

    @Test func anOpenBreakerWithinTheCapIsWaitedOutThenProbed() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let records = LockedValue<[DecisionRecord]>([])
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(5)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let pipeline = try pipeline(clock, attempts: 2, breaker: breaker, observer: { record in records.withLock { $0.append(record) } })
        let result = await drive(clock) { try await pipeline.run { _ in calls.increment(); return 1 } }
        #expect(try result.get() == 1)
        #expect(calls.count == 1, "the first attempt was rejected without a call; the probe after the wait went through")
        let first = try #require(records.withLock { $0.first })
        #expect(first.kind == .circuitOpen && first.action == .retry && first.delay == .seconds(5) && first.delaySource == .breaker)
        #expect(breaker.phase == .closed)
    }

    /// Every manual clock's times count from its own start, whichever clock a pipeline read first: a
    /// pipeline on a clock already at t+100 s made every later pipeline's time -100 s, so a breaker that
    /// opened at time zero stayed open 105 s instead of 5 s (fails before the fix when run alone).
    @Test func aClockReadFirstDoesNotMoveAnotherClocksTimes() async throws {
        let advanced = ManualClock()
        advanced.advance(by: .seconds(100))
        _ = try pipeline(advanced)
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(5)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let records = LockedValue<[DecisionRecord]>([])
        let pipeline = try pipeline(clock, attempts: 2, breaker: breaker, observer: { record in records.withLock { $0.append(record) } })
        _ = await drive(clock) { try await pipeline.run { _ in 1 } }
        #expect(records.withLock { $0.first?.delay } == .seconds(5))
    }

    @Test func anOpenBreakerAboveTheCapEndsTheCallAtOnceNamingItsTime() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(60)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let pipeline = try pipeline(clock, attempts: 3, breaker: breaker, maximumRetryAfter: .seconds(30))
        let result = await drive(clock) { try await pipeline.run { _ in 1 } }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .circuitOpen && failure.retryAfter == .seconds(60))
        let record = try #require(failure.history.first)
        #expect(failure.history.count == 1)
        #expect(record.rule == .retryAfterAboveCap(cap: .seconds(30)) && record.delaySource == .breaker && record.breakerPhase == .open)
    }

    @Test func pipelinesBuiltAtDifferentTimesShareABreakerOnOneTimeline() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(10)))
        let early = try pipeline(clock, attempts: 1, breaker: breaker)
        clock.advance(by: .seconds(100))
        let late = try pipeline(clock, attempts: 1, breaker: breaker)
        _ = await drive(clock) { try await early.run { _ in throw Transient() } }
        clock.advance(by: .seconds(4))
        let rejected = await drive(clock) { try await late.run { _ in 1 } }
        let failure = try #require(rejected.failure as? Failure)
        #expect(failure.kind == .circuitOpen)
        #expect(failure.retryAfter == .seconds(6))
    }

    @Test func anAttemptGivesBackTheDeadlineItWasMadeWith() {
        let clock = ManualClock()
        clock.advance(by: .seconds(7))
        let deadline = clock.now.advanced(by: .milliseconds(1500))
        var attempt = Pipeline<ManualClock>.Attempt(number: 2, deadline: deadline, timeLimit: .milliseconds(1500))
        #expect(attempt.deadline == deadline)
        attempt.deadline = nil
        #expect(attempt.deadline == nil)
        #expect(Pipeline<ManualClock>.Attempt(number: 1).deadline == nil)
    }

    @Test func anOpenBreakerRejectsWithItsRemainingTime() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(2), openDuration: .seconds(10)))
        let pipeline = try pipeline(clock, attempts: 1, breaker: breaker)
        for _ in 0..<2 { _ = await drive(clock) { try await pipeline.run { _ in calls.increment(); throw Transient() } } }
        #expect(breaker.phase == .open)
        let rejected = await drive(clock) { try await pipeline.run { _ in calls.increment(); return 1 } }
        let failure = try #require(rejected.failure as? Failure)
        #expect(failure.kind == .circuitOpen)
        #expect(failure.decision == .retryAfter)
        #expect(failure.delivery == .notSent)
        #expect(failure.retryAfter == .seconds(10))
        #expect(calls.count == 2)
        clock.advance(by: .seconds(10))
        #expect(try await pipeline.run { _ in calls.increment(); return 1 } == 1)
        #expect(breaker.phase == .closed)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
