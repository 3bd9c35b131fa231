import Synchronization
import Testing
import TriageTestKit

/// The rules that keep a retry from resending work the server may have done, and a throttling outage
/// from multiplying load.
@Suite struct ResendRuleTests {
    struct Response: ClassifiableError {
        var failureKind: FailureKind
        var failureRetryAfter: Duration?
    }

    func pipeline(_ clock: ManualClock, attempts: Int = 3, budget: RetryBudget? = nil,
                  observer: (@Sendable (DecisionRecord) -> Void)? = nil) throws -> Pipeline<ManualClock> {
        Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: attempts), budget: budget, observer: observer)
    }

    @Test(arguments: [FailureKind.httpServerError, .httpBadGateway, .httpGatewayTimeout])
    func aResponseThatMayHaveActedIsNotResentWhenNotIdempotent(_ kind: FailureKind) async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock)
        let unsafe = await drive(clock) { try await pipeline.run(idempotent: false) { _ -> Int in calls.increment(); throw Response(failureKind: kind) } }
        let failure = try #require(unsafe.failure as? Failure)
        #expect(calls.count == 1)
        #expect(failure.delivery == .processed)
        #expect(failure.history.last?.rule == .notIdempotent)
        _ = await drive(clock) { try await pipeline.run(idempotent: true) { _ -> Int in calls.increment(); throw Response(failureKind: kind) } }
        #expect(calls.count == 4)
    }

    @Test(arguments: [FailureKind.httpRequestTimeout, .httpTooEarly, .httpThrottled, .httpUnavailable])
    func aResponseThatSaysNotActedOnIsResent(_ kind: FailureKind) async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = try pipeline(clock)
        _ = await drive(clock) { try await pipeline.run(idempotent: false) { _ -> Int in calls.increment(); throw Response(failureKind: kind) } }
        #expect(calls.count == 3)
    }

    /// 429 with `Retry-After: 0` in a total outage: without a token per retry every caller retries in
    /// lockstep at 3× the offered load.
    @Test(arguments: [Duration.zero, .seconds(1)])
    func aRetryAfterTakesFromTheBudget(_ named: Duration) async throws {
        let clock = ManualClock()
        let calls = Counter()
        let budget = try RetryBudget(minimumRetriesPerSecond: 0)
        let pipeline = try pipeline(clock, budget: budget)
        for _ in 0..<300 {
            _ = await drive(clock) {
                try await pipeline.run(idempotent: true) { _ -> Int in calls.increment(); throw Response(failureKind: .httpThrottled, failureRetryAfter: named) }
            }
        }
        #expect(calls.count <= 330, "\(calls.count) attempts for 300 calls")
        #expect(budget.counts.refused > 0)
    }

    /// A named delay is waited at least as named, with a little jitter on top so clients that were
    /// told the same moment do not all come back at it.
    @Test func aRetryAfterGetsJitterOnTopAndNeverLess() async throws {
        let clock = ManualClock()
        let delays = LockedValue<[Duration]>([])
        let pipeline = try pipeline(clock, attempts: 2, observer: { record in
            if record.action == .retry, let delay = record.delay { delays.withLock { $0.append(delay) } }
        })
        for named in [Duration.zero, .seconds(2)] {
            delays.withLock { $0 = [] }
            for _ in 0..<20 {
                _ = await drive(clock) {
                    try await pipeline.run(idempotent: true) { _ -> Int in throw Response(failureKind: .httpThrottled, failureRetryAfter: named) }
                }
            }
            let seen = delays.withLock { $0 }
            #expect(seen.count == 20)
            #expect(seen.allSatisfy { $0 >= named }, "\(seen)")
            #expect(seen.allSatisfy { $0 <= named + max(named / 10, .milliseconds(100)) }, "\(seen)")
            #expect(Set(seen).count > 1, "every client came back at the same moment: \(seen)")
        }
    }
}

/// Defect 7 of issue 11: a valid-looking window must not trap converting to nanoseconds.
@Suite struct HugeWindowTests {
    @Test func windowsBeyondTheirBoundAreRefusedNotTrapped() throws {
        let huge = Duration.seconds(Int64.max)
        #expect(throws: ConfigurationError.self) {
            try CircuitBreakerPolicy(trip: .failureRatio(0.5, window: huge, minimumCalls: 1)).validate()
        }
        #expect(throws: ConfigurationError.self) { try AdaptiveThrottle(window: huge) }
        let longest = Duration.seconds(100 * 365 * 86_400)
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .failureRatio(0.5, window: longest, minimumCalls: 1)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(1))
        #expect(breaker.phase == .open)
        let throttle = try AdaptiveThrottle(window: longest)
        throttle.record(accepted: false, now: .seconds(1))
        #expect(throttle.rejectionProbability(now: .seconds(2)) >= 0)
    }
}
