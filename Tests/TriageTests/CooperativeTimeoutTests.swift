import Synchronization
import Testing
import TriageTestKit

/// Deadlines handed to the operation (``TimeoutEnforcement/cooperative``) and the fast first attempt.
@Suite struct CooperativeTimeoutTests {
    struct ReadTimedOut: ClassifiableError { var failureKind: FailureKind { .responseTimeout } }

    func pipeline(_ clock: ManualClock, attempts: Int = 3, timeout: Duration? = .seconds(30),
                  attemptTimeout: Duration? = .seconds(10), breaker: CircuitBreaker? = nil) throws -> Pipeline<ManualClock> {
        Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: attempts), breaker: breaker, deadline: timeout,
                 attemptTimeout: attemptTimeout, timeoutEnforcement: .cooperative)
    }

    @Test func eachAttemptIsHandedItsDeadline() async throws {
        let clock = ManualClock()
        let seen = LockedValue<[(Duration?, Duration?)]>([])
        let pipeline = try pipeline(clock, timeout: .seconds(12), attemptTimeout: .seconds(10))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { attempt in
                seen.withLock { $0.append((attempt.timeLimit, attempt.deadline.map { clock.now.duration(to: $0) })) }
                if attempt.number == 1 {
                    try await clock.sleep(until: clock.now.advanced(by: .seconds(10)), tolerance: nil)
                    throw Transient()
                }
                return attempt.number
            }
        }
        #expect(try result.get() == 2)
        let limits = seen.withLock { $0 }
        // Attempt 1: the 10 s attempt timeout, sooner than the 12 s deadline.
        #expect(limits[0].0 == .seconds(10))
        #expect(limits[0].1 == .seconds(10))
        // Attempt 2 starts after a 10 s failure and a backoff: less than 2 s of the deadline is left.
        let second = try #require(limits[1].0)
        #expect(second < .seconds(2) && second > .seconds(1))
        #expect(limits[1].1 == second)
    }

    /// On the continuous clock the pipeline reads the system clock directly (Linux); the deadline it
    /// hands out must still be a `ContinuousClock` instant one attempt timeout after the start.
    @Test func aContinuousClockDeadlineIsOnTheContinuousClock() async throws {
        let (deadline, seen) = try await Pipeline.standard.run { attempt in (try #require(attempt.deadline), ContinuousClock.now) }
        let left = seen.duration(to: deadline)
        #expect(left <= .seconds(10) && left > .seconds(9), "\(left)")
    }

    @Test func changingTheTimeoutsAfterwardsChangesTheFirstAttemptsLimit() async throws {
        let clock = ManualClock()
        var pipeline = try pipeline(clock, timeout: .seconds(30), attemptTimeout: .seconds(10))
        pipeline.deadline = .seconds(4)
        #expect(try await pipeline.run { attempt in attempt.timeLimit } == .seconds(4))
        pipeline.attemptTimeout = .seconds(2)
        #expect(try await pipeline.run { attempt in attempt.timeLimit } == .seconds(2))
        pipeline.deadline = nil
        pipeline.attemptTimeout = nil
        #expect(try await pipeline.run { attempt in attempt.timeLimit } == nil)
    }

    @Test func anAttemptThatPassesItsDeadlineOnReportsAnAttemptTimeoutAndIsRetried() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock, attempts: 2, attemptTimeout: .seconds(1))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { attempt in
                calls.increment()
                // The client we pass the deadline to gives up at it with its own timeout error.
                try await clock.sleep(until: try #require(attempt.deadline), tolerance: nil)
                throw ReadTimedOut()
            }
        }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .attemptTimeout)
        #expect((failure.underlying as? Failure)?.kind == .responseTimeout)
        #expect(failure.history.map(\.kind) == [.attemptTimeout, .attemptTimeout])
        #expect(failure.history.map(\.action) == [.retry, .gaveUp])
        #expect(calls.count == 2)
    }

    @Test func theOverallDeadlinePassedOnIsADeadlineExceeded() async throws {
        let clock = ManualClock()
        let pipeline = try pipeline(clock, timeout: .seconds(2), attemptTimeout: .seconds(10))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { attempt -> Int in
                try await clock.sleep(until: try #require(attempt.deadline), tolerance: nil)
                throw ReadTimedOut()
            }
        }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .deadlineExceeded)
        #expect(failure.decision == .stop)
        #expect(clock.now.offset == .seconds(2))
    }

    @Test func aLateSuccessIsStillASuccess() async throws {
        let clock = ManualClock()
        let pipeline = try pipeline(clock, attemptTimeout: .seconds(1))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                try await clock.sleep(until: clock.now.advanced(by: .seconds(5)), tolerance: nil)
                return "late"
            }
        }
        #expect(try result.get() == "late")
    }

    @Test func aFailureOnTheFastPathCountsInTheBreakerAndContinuesTheLoop() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(2), openDuration: .seconds(60)))
        let pipeline = try pipeline(clock, attempts: 3, breaker: breaker)
        let calls = Counter()
        let result = await drive(clock) { try await pipeline.run(idempotent: true) { _ -> Int in calls.increment(); throw Transient() } }
        let failure = try #require(result.failure as? Failure)
        // Two real failures open the breaker; the third attempt is rejected by it without a call.
        #expect(calls.count == 2)
        #expect(failure.history.map(\.kind) == [.httpUnavailable, .httpUnavailable, .circuitOpen])
        #expect(failure.kind == .circuitOpen)
        #expect(breaker.phase == .open)
    }

    @Test func anOpenBreakerRejectionExplainsItself() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(30)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let pipeline = try pipeline(clock, attempts: 1, breaker: breaker)
        let result = await drive(clock) { try await pipeline.run { _ in 1 } }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.history.count == 1)
        let record = try #require(failure.history.first)
        #expect(record.kind == .circuitOpen)
        #expect(record.rule == .attemptsSpent(maximumAttempts: 1))
        #expect(record.reason == "circuit open: gave up after 1 attempt (maximumAttempts 1)")
    }
}

@Suite struct DecisionHistoryTests {
    func record(_ attempt: Int) -> DecisionRecord {
        DecisionRecord(attempt: attempt, kind: .connectRefused, decision: .retry, status: nil, retryAfter: nil, action: .retry,
                       delay: .milliseconds(100), delaySource: .retryAfter, rule: .waitAsNamed, elapsed: .zero,
                       budgetLevel: 4, breakerPhase: .closed)
    }

    @Test func keepsRecordsInOrder() {
        var history = DecisionHistory()
        #expect(history.isEmpty)
        for attempt in 1...4 { history.append(record(attempt)) }
        #expect(history.map(\.attempt) == [1, 2, 3, 4])
        #expect(history.count == 4)
        #expect(history.last?.attempt == 4)
    }

    @Test func aRecordsOptionalNumbersReadBackAsSet() {
        var record = record(1)
        #expect(record.status == nil && record.retryAfter == nil && record.delay == .milliseconds(100) && record.budgetLevel == 4)
        record.status = 404
        record.retryAfter = .seconds(2)
        record.delay = nil
        record.budgetLevel = nil
        record.elapsed = .milliseconds(1500)
        #expect(record.status == 404 && record.retryAfter == .seconds(2) && record.delay == nil && record.budgetLevel == nil)
        #expect(record.elapsed == .milliseconds(1500))
        record.retryAfter = nil
        record.delay = .zero
        #expect(record.retryAfter == nil && record.delay == .zero, "zero is a delay, not an absent one")
        record.status = Int.max
        #expect(record.status == Int.max)
    }

    @Test func aRejectionsCompactRecordReadsBackWholeAndTakesMoreRecords() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(60)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let budget = try RetryBudget(maximumTokens: 4)
        budget.recordFailure()
        let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 3, maximumRetryAfter: .seconds(30)),
                                budget: budget, breaker: breaker)
        clock.advance(by: .seconds(15))
        let result = await drive(clock) { try await pipeline.run { _ in 1 } }
        var history = try #require(result.failure as? Failure).history
        let rejection = try #require(history.first)
        #expect(rejection.attempt == 1 && rejection.kind == .circuitOpen && rejection.decision == .retryAfter)
        #expect(rejection.action == .gaveUp && rejection.rule == .retryAfterAboveCap(cap: .seconds(30)))
        #expect(rejection.retryAfter == .seconds(45) && rejection.delay == .seconds(45) && rejection.delaySource == .breaker)
        #expect(rejection.elapsed == .zero && rejection.budgetLevel == 3 && rejection.breakerPhase == .open && rejection.status == nil)
        history.append(record(2))
        #expect(history.count == 2)
        #expect(history.map(\.attempt) == [1, 2])
        #expect(history[0].rule == .retryAfterAboveCap(cap: .seconds(30)))
    }

    @Test func reasonsAreWrittenFromTheRule() {
        var record = record(1)
        #expect(record.reason == "connection refused is transient; wait 0.1 seconds as the server asked (Retry-After)")
        record.rule = .budgetSpent
        #expect(record.reason == "connection refused: the retry budget is spent (4 tokens left)")
        record.status = 503
        record.rule = .notIdempotent
        #expect(record.reason == "503 may have been processed and the operation is not idempotent")
    }
}

@Suite struct SeededPipelineTests {
    @Test func aSeededSourceMakesEveryDelayReproducible() async throws {
        func delays(seed: UInt64) async throws -> [Duration] {
            let clock = ManualClock()
            let recorder = DecisionRecorder()
            let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 5), observer: recorder.observer,
                                    random: RandomSource(SeededRandom(seed: seed)))
            _ = await drive(clock) { try await pipeline.run(idempotent: true) { _ -> Int in throw Transient() } }
            #expect(recorder.actions == [.retry, .retry, .retry, .retry, .gaveUp])
            return recorder.delays
        }
        let first = try await delays(seed: 7)
        #expect(first.count == 4)
        #expect(try await delays(seed: 7) == first)
        #expect(try await delays(seed: 8) != first)
        // Full jitter: each delay under its ceiling of 100 ms × 2^(retry − 1).
        for (index, delay) in first.enumerated() { #expect(delay < .milliseconds(100 << index)) }
    }
}
