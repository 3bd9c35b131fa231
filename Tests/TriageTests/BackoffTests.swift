import Testing
import TriageTestKit

@Suite struct BackoffTests {
    let base = Duration.milliseconds(100)
    let cap = Duration.seconds(10)

    @Test func deterministicFormulas() throws {
        var random = SeededRandom(seed: 1)
        let constant = Backoff(.constant, base: base, cap: cap)
        let linear = Backoff(.linear, base: base, cap: cap)
        let exponential = Backoff(.exponential, base: base, cap: cap)
        #expect(constant.delay(retry: 5, previous: nil, using: &random).delay == base)
        #expect(linear.delay(retry: 3, previous: nil, using: &random).delay == .milliseconds(300))
        #expect(exponential.delay(retry: 1, previous: nil, using: &random).delay == .milliseconds(100))
        #expect(exponential.delay(retry: 4, previous: nil, using: &random).delay == .milliseconds(800))
        #expect(exponential.delay(retry: 200, previous: nil, using: &random).delay == cap)
        #expect(exponential.delay(retry: .max, previous: nil, using: &random).delay == cap)
    }

    @Test func fullJitterSpansZeroToTheCeiling() throws {
        let backoff = Backoff(.fullJitter, base: base, cap: cap)
        var low = FixedRandom(fraction: 0)
        var high = FixedRandom(fraction: 0.999_999)
        #expect(backoff.delay(retry: 3, previous: nil, using: &low).delay == .zero)
        let top = backoff.delay(retry: 3, previous: nil, using: &high)
        #expect(top.ceiling == .milliseconds(400))
        #expect(top.delay <= .milliseconds(400) && top.delay > .milliseconds(399))
    }

    @Test func equalJitterKeepsHalf() throws {
        let backoff = Backoff(.equalJitter, base: base, cap: cap)
        var low = FixedRandom(fraction: 0)
        var high = FixedRandom(fraction: 0.999_999)
        #expect(backoff.delay(retry: 3, previous: nil, using: &low).delay == .milliseconds(200))
        #expect(backoff.delay(retry: 3, previous: nil, using: &high).delay > .milliseconds(399))
    }

    @Test func decorrelatedJitterGrowsFromThePreviousDelay() throws {
        let backoff = Backoff(.decorrelatedJitter, base: base, cap: .seconds(1))
        var low = FixedRandom(fraction: 0)
        var high = FixedRandom(fraction: 0.999_999)
        #expect(backoff.delay(retry: 2, previous: .milliseconds(200), using: &low).delay == base)
        let top = backoff.delay(retry: 2, previous: .milliseconds(200), using: &high).delay
        #expect(top > .milliseconds(598) && top <= .milliseconds(600), "\(top)")
        #expect(backoff.delay(retry: 9, previous: .seconds(5), using: &high).delay == .seconds(1))
    }

    @Test func seededJitterIsReproducibleAndInBounds() throws {
        let backoff = Backoff(.fullJitter, base: base, cap: cap)
        var first = SeededRandom(seed: 42), second = SeededRandom(seed: 42)
        for retry in 1...50 {
            let a = backoff.delay(retry: retry, previous: nil, using: &first)
            let b = backoff.delay(retry: retry, previous: nil, using: &second)
            #expect(a == b)
            #expect(a.delay >= .zero && a.delay <= a.ceiling && a.ceiling <= cap)
        }
    }

    @Test func invalidConfigurationIsRejectedWhereItIsBuilt() {
        #expect(throws: ConfigurationError.self) { try Backoff(.exponential, base: .milliseconds(-1), cap: cap).validate() }
        #expect(throws: ConfigurationError.self) { try Backoff(.exponential, base: .seconds(2), cap: .seconds(1)).validate() }
        #expect(throws: ConfigurationError.self) { try Backoff(.exponential, base: base, cap: cap, multiplier: 0.5).validate() }
        #expect(throws: ConfigurationError.self) { try RetryPolicy(maximumAttempts: 0).validate() }
        #expect(throws: ConfigurationError.self) { try RetryBudget(tokenRatio: 1.5) }
        #expect(throws: ConfigurationError.self) { try CircuitBreakerPolicy(trip: .failureRatio(1.5, window: .seconds(10), minimumCalls: 5)).validate() }
        #expect(throws: ConfigurationError.self) { try CircuitBreakerPolicy(openDuration: .seconds(-1)).validate() }
        #expect(throws: ConfigurationError.self) { try CircuitBreaker(policy: CircuitBreakerPolicy(halfOpenProbes: 0)) }
        #expect(throws: ConfigurationError.self) { try HedgingPolicy(delay: .fixed(.seconds(-1))).validate() }
        var pipeline = Pipeline(retry: .standard)
        pipeline.retry.backoff.multiplier = 0.5
        #expect(throws: ConfigurationError.self) { try pipeline.validate() }
        #expect(throws: Never.self) { try Pipeline.standard.validate() }
        #expect(throws: ConfigurationError.self) { try Bulkhead(maximumConcurrent: 0) }
        #expect(throws: ConfigurationError.self) { try AdaptiveThrottle(k: 0.5) }
    }
}

@Suite struct FixedRandomTests {
    @Test(arguments: [0.0, 0.25, 0.5, 0.75, 0.999])
    func drawsTheFractionItWasGiven(fraction: Double) {
        var random = FixedRandom(fraction: fraction)
        #expect(abs(Double.random(in: 0..<1, using: &random) - fraction) < 1e-9)
        #expect(abs(Double(Int.random(in: 0..<1024, using: &random)) / 1024 - fraction) < 0.002)
    }
}
