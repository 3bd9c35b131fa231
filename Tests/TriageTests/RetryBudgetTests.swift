import Testing
import Triage
import TriageTestKit

@Suite struct RetryBudgetTests {
    /// 100 requests a second for 10 s against a dead server, each wanting 2 retries.
    @Test func totalOutageStaysUnderOnePointOneTimesTheOfferedLoad() throws {
        let budget = RetryBudget()
        var sent = 0
        for request in 0..<1000 {
            let second = Int64(request / 100)
            sent += 1
            budget.recordFailure()
            for _ in 0..<2 {
                guard budget.tryRetry(atSecond: second) else { break }
                sent += 1
                budget.recordFailure()
            }
        }
        let amplification = Double(sent) / 1000
        #expect(amplification <= 1.1, "\(amplification)")
        #expect(amplification > 1.0)
    }

    @Test func successesRefillTheBucket() throws {
        let budget = try RetryBudget(maximumTokens: 10, tokenRatio: 0.5, minimumRetriesPerSecond: 0)
        for _ in 0..<10 { budget.recordFailure() }
        #expect(budget.level == 0)
        #expect(!budget.tryRetry(atSecond: 0))
        for _ in 0..<11 { budget.recordSuccess() }
        #expect(budget.level == 5.5)
        #expect(budget.tryRetry(atSecond: 0))
        for _ in 0..<100 { budget.recordSuccess() }
        #expect(budget.level == 10)
    }

    @Test("work retried outside a call takes from the budget on the pipeline's clock: one floor per second, shared")
    func takeRetryCountsSecondsOnThePipelinesClock() throws {
        let budget = try RetryBudget(minimumRetriesPerSecond: 1)
        for _ in 0..<10 { budget.recordFailure() }
        let clock = ManualClock()
        let pipeline = Pipeline(clock: clock, budget: budget)
        #expect(pipeline.takeRetry())
        #expect(!pipeline.takeRetry(), "the floor of this second is spent")
        clock.advance(by: .seconds(1))
        #expect(pipeline.takeRetry())
        #expect(Pipeline(clock: clock).takeRetry(), "no budget, no limit")
    }

    @Test func theFloorAllowsAFewRetriesEverySecond() throws {
        let budget = try RetryBudget(minimumRetriesPerSecond: 2)
        for _ in 0..<10 { budget.recordFailure() }
        #expect(budget.tryRetry(atSecond: 7))
        #expect(budget.tryRetry(atSecond: 7))
        #expect(!budget.tryRetry(atSecond: 7))
        #expect(budget.tryRetry(atSecond: 8))
        #expect(budget.counts == (allowed: 3, refused: 1))
    }

    @Test func aFewFailuresAmongSuccessesKeepRetriesFlowing() throws {
        let budget = try RetryBudget(minimumRetriesPerSecond: 0)
        var refused = 0
        for request in 0..<1000 {
            if request % 10 == 0 {
                budget.recordFailure()
                if !budget.tryRetry(atSecond: 0) { refused += 1 } else { budget.recordSuccess() }
            } else {
                budget.recordSuccess()
            }
        }
        #expect(refused == 0)
    }

    /// A fifth of the requests fail once (a server shedding 20 % of its load): the default keeps
    /// every retry flowing, where gRPC's example ratio of 0.1 runs dry.
    @Test func aServerSheddingAFifthStillGetsItsRetries() throws {
        func refusals(_ budget: RetryBudget) -> Int {
            var refused = 0
            for request in 0..<1000 {
                if request % 5 == 0 {
                    budget.recordFailure()
                    if budget.tryRetry(atSecond: 0) { budget.recordSuccess() } else { refused += 1 }
                } else {
                    budget.recordSuccess()
                }
            }
            return refused
        }
        #expect(refusals(try RetryBudget(minimumRetriesPerSecond: 0)) == 0)
        #expect(refusals(try RetryBudget(tokenRatio: 0.1, minimumRetriesPerSecond: 0)) > 100)
    }
}
