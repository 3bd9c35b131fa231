import Testing
import TriageTestKit

/// Item 11 of issue 11: policies are values to copy and adjust, checked by `validate()`; one that is
/// not validated still never traps.
@Suite struct PolicyValuesTests {
    @Test func presetsValidate() throws {
        try RetryPolicy.standard.validate()
        try RetryPolicy.never.validate()
        try Backoff.standard.validate()
        try CircuitBreakerPolicy.standard.validate()
        try Pipeline.standard.validate()
    }

    @Test func sharedPartsCheckTheirConfigurationWhereTheyAreMade() throws {
        var budget = RetryBudget.Configuration.standard
        budget.maximumTokens = 4
        #expect(try RetryBudget(budget).level == 4)
        budget.tokenRatio = 2
        #expect(throws: ConfigurationError.self) { try RetryBudget(budget) }
        var throttle = AdaptiveThrottle.Configuration.standard
        throttle.k = 3
        #expect(try AdaptiveThrottle(throttle).k == 3)
        throttle.window = .seconds(Int64.max)
        #expect(throws: ConfigurationError.self) { try AdaptiveThrottle(throttle) }
        var bulkhead = Bulkhead.Configuration(maximumConcurrent: 2)
        #expect(try Bulkhead(bulkhead).maximumConcurrent == 2)
        bulkhead.maximumQueued = -1
        #expect(throws: ConfigurationError.self) { try Bulkhead(bulkhead) }
    }

    @Test func anInjectionIsAdjustedThenCheckedWhereItIsUsed() throws {
        var injection = FaultInjection<Int>.Injection(.latency(.milliseconds(10)), rate: 0.5)
        injection.rate = 2
        #expect(throws: ConfigurationError.self) { try FaultInjection<Int>([injection]) }
        injection.rate = 1
        injection.fault = .outcome(3)
        #expect(try FaultInjection<Int>([injection]).injections.first?.rate == 1)
    }

    @Test func timeoutEnforcementIsAPresetToCopy() {
        #expect(Pipeline(clock: ManualClock()).timeoutEnforcement == .cooperative)
        var enforcement = TimeoutEnforcement.cooperative
        enforcement.cancels = true
        #expect(enforcement == .cancel)
        #expect(!TimeoutEnforcement.cooperative.cancels)
    }

    @Test func aCopyChangesWithoutTouchingThePreset() {
        var policy = RetryPolicy.standard
        policy.maximumAttempts = 5
        policy.retriedDecisions = [.retry]
        #expect(RetryPolicy.standard.maximumAttempts == 3 && RetryPolicy.standard.retries(.retryAfter))
        #expect(policy.maximumAttempts == 5 && policy.retries(.retry) && !policy.retries(.retryAfter))
    }

    @Test func anUnvalidatedPolicyDoesNotTrap() async throws {
        var backoff = Backoff(.constant, base: .seconds(-1), cap: .seconds(-2))
        #expect(throws: ConfigurationError.self) { try backoff.validate() }
        var generator = SystemRandomNumberGenerator()
        #expect(backoff.delay(retry: 1, previous: nil, using: &generator).delay == .zero)
        backoff.strategy = .exponential
        backoff.multiplier = .nan
        #expect(backoff.delay(retry: 3, previous: nil, using: &generator).delay == .zero)

        var pipeline = Pipeline(clock: ManualClock(), retry: .never)
        pipeline.retry.maximumAttempts = 0
        pipeline.retry.backoff = backoff
        #expect(throws: ConfigurationError.self) { try pipeline.validate() }
        let value = try await pipeline.run(idempotent: true) { _ in 7 }
        #expect(value == 7)
        let failure = await #expect(throws: Failure.self) {
            try await pipeline.run(idempotent: true) { _ -> Int in throw Failure(.connectionReset) }
        }
        #expect(failure?.history.count == 1, "no attempt left: it gives up after the first")
    }
}
