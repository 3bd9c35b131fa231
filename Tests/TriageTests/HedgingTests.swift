import Testing
import TriageTestKit

@Suite struct HedgingTests {
    @Test func aSlowAttemptIsHedgedAndTheFirstSuccessWins() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let cancelled = Counter()
        let pipeline = Pipeline(clock: clock, retry: .never, hedging: HedgingPolicy(delay: .fixed(.seconds(1))))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                if calls.increment() == 1 {
                    do {
                        try await clock.sleep(until: clock.now.advanced(by: .seconds(10)), tolerance: nil)
                    } catch {
                        cancelled.increment()
                        throw error
                    }
                    return "slow"
                }
                return "hedge"
            }
        }
        #expect(try result.get() == "hedge")
        #expect(calls.count == 2)
        #expect(clock.now.offset == .seconds(1))
        #expect(cancelled.count == 1)
    }

    @Test func nonIdempotentOperationsAreNotHedged() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = Pipeline(clock: clock, retry: .never, hedging: HedgingPolicy(delay: .fixed(.seconds(1))))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: false) { _ in
                calls.increment()
                try await clock.sleep(until: clock.now.advanced(by: .seconds(3)), tolerance: nil)
                return "only"
            }
        }
        #expect(try result.get() == "only")
        #expect(calls.count == 1)
    }

    @Test func hedgesTakeFromTheBudget() async throws {
        let clock = ManualClock()
        let calls = Counter()
        let budget = try RetryBudget(maximumTokens: 2, minimumRetriesPerSecond: 0)
        budget.recordFailure()  // 1 token left: not above half, no hedges allowed
        let pipeline = Pipeline(clock: clock, retry: .never, budget: budget, hedging: HedgingPolicy(delay: .fixed(.seconds(1)), maximumHedges: 3))
        _ = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                calls.increment()
                try await clock.sleep(until: clock.now.advanced(by: .seconds(5)), tolerance: nil)
                return 0
            }
        }
        #expect(calls.count == 1)
    }

    @Test func percentileDelaysFollowObservedLatency() throws {
        let policy = HedgingPolicy(delay: .percentile(0.9, fallback: .seconds(2), minimumSamples: 10))
        let latencies = LatencyTracker()
        #expect(policy.currentDelay(latencies) == .seconds(2))
        for millis in 1...100 { latencies.record(.milliseconds(millis)) }
        #expect(policy.currentDelay(latencies) == .milliseconds(90))
    }

    @Test func onlyAPercentileDelayKeepsLatencies() {
        let clock = ManualClock()
        #expect(Pipeline(clock: clock).hedgingLatencies == nil)
        #expect(Pipeline.standard.hedgingLatencies == nil)
        #expect(Pipeline(clock: clock, hedging: HedgingPolicy(delay: .fixed(.seconds(1)))).hedgingLatencies == nil)
        #expect(Pipeline(clock: clock, hedging: HedgingPolicy(delay: .percentile(0.9, fallback: .seconds(1)))).hedgingLatencies != nil)
        var adjusted = Pipeline(clock: clock)
        adjusted.hedging = HedgingPolicy(delay: .percentile(0.9, fallback: .seconds(1)))
        #expect(adjusted.hedgingLatencies != nil, "a percentile delay set after init keeps latencies too")
        adjusted.hedging = HedgingPolicy(delay: .fixed(.seconds(1)))
        #expect(adjusted.hedgingLatencies == nil)
    }

    @Test func copiesOfAPipelineShareItsLatencies() async throws {
        let clock = ManualClock()
        var pipeline = Pipeline(clock: clock, retry: .never,
                                hedging: HedgingPolicy(delay: .percentile(0.5, fallback: .seconds(1), minimumSamples: 1)))
        let tracker = try #require(pipeline.hedgingLatencies)
        let copy = pipeline
        #expect(copy.hedgingLatencies === tracker)
        pipeline.hedging?.maximumHedges = 2
        #expect(pipeline.hedgingLatencies === tracker, "still a percentile delay: the same latencies")
        _ = await drive(clock) {
            try await copy.run(idempotent: true) { _ in
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(50)), tolerance: nil)
                return 1
            }
        }
        let hedging = try #require(pipeline.hedging)
        #expect(hedging.currentDelay(pipeline.hedgingLatencies) == .milliseconds(50), "a call through the copy is seen by the original")
    }
}
