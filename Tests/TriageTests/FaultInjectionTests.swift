import Synchronization
import Testing
import TriageTestKit

/// Fractions in [0, 1) in turn, for exact control of which calls are hit. `Double.random(in: 0..<1)`
/// takes the low 53 bits of `next()`, so each fraction is returned as `fraction × 2^53`.
struct ScriptedRandom: RandomNumberGenerator, Sendable {
    var fractions: [Double]
    var index = 0

    mutating func next() -> UInt64 {
        defer { index += 1 }
        return UInt64(fractions[index % fractions.count] * 0x1p53)
    }
}

@Suite struct FaultInjectionTests {
    @Test(arguments: [-0.1, 1.01, Double.nan, Double.infinity])
    func ratesOutsideZeroToOneAreRefused(_ rate: Double) {
        let injection = FaultInjection<Int>.Injection(.failure(Failure(.connectionReset)), rate: rate)
        #expect(throws: ConfigurationError.self) { try injection.validate() }
        #expect(throws: ConfigurationError.self) { try FaultInjection<Int>([injection]) }
    }

    @Test func negativeLatencyIsRefused() {
        let injection = FaultInjection<Int>.Injection(.latency(.milliseconds(-1)), rate: 0.5)
        #expect(throws: ConfigurationError.self) { try injection.validate() }
        #expect(throws: ConfigurationError.self) { try FaultInjection<Int>([injection], clock: ManualClock()) }
    }

    @Test func theSeededStreamDecidesExactlyWhichCallsAreHit() async throws {
        let faults = try FaultInjection<Int>([.init(.failure(Failure(.connectionReset)), rate: 0.25)], random: SeededRandom(seed: 11))
        var injected = 0
        for _ in 0..<2_000 {
            do { _ = try await faults.execute { 1 } } catch let failure as Failure {
                #expect(failure.kind == .connectionReset)
                injected += 1
            }
        }
        var replay = SeededRandom(seed: 11)
        let expected = (0..<2_000).filter { _ in Double.random(in: 0..<1, using: &replay) < 0.25 }.count
        #expect(injected == expected)
        #expect(abs(expected - 500) < 60)
        #expect(faults.counts.calls == 2_000)
        #expect(faults.counts.fired == [expected])
    }

    @Test func injectionsAreAskedInOrderUntilOneEndsTheCall() async throws {
        let faults = try FaultInjection<String>(
            [.init(.outcome("substitute"), rate: 0.5), .init(.error(ResetError()), rate: 0.5)],
            random: ScriptedRandom(fractions: [0.1, 0.9, 0.2, 0.9, 0.9]))
        let operation = Counter()
        #expect(try await faults.execute { operation.increment(); return "real" } == "substitute")  // draw 0.1
        await #expect(throws: ResetError.self) { try await faults.execute { operation.increment(); return "real" } }  // 0.9, 0.2
        #expect(try await faults.execute { operation.increment(); return "real" } == "real")  // 0.9, 0.9
        #expect(operation.count == 1)
        #expect(faults.counts.fired == [1, 1])
    }

    @Test func disabledInjectsNothingAndDrawsNothing() async throws {
        let faults = try FaultInjection<Int>([.init(.failure(Failure(.connectionReset)), rate: 1)], enabled: false)
        #expect(try await faults.execute { 5 } == 5)
        #expect(faults.counts.calls == 0)
        faults.isEnabled = true
        await #expect(throws: Failure.self) { try await faults.execute { 5 } }
        #expect(faults.counts.calls == 1)
    }

    @Test func latencyIsWaitedOnTheClock() async throws {
        let clock = ManualClock()
        let faults = try FaultInjection<Int>([.init(.latency(.seconds(2)), rate: 1)], clock: clock)
        let task = Task { try await faults.execute { 7 } }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        #expect(try await task.value == 7)
        #expect(clock.now.offset == .seconds(2))
    }

    @Test func anInjectedErrorIsClassifiedAndRetriedByThePipeline() async throws {
        let clock = ManualClock()
        let records = LockedValue<[DecisionRecord]>([])
        let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 3), budget: RetryBudget(),
                                observer: { record in records.withLock { $0.append(record) } })
        let faults = try FaultInjection<String>([.init(.error(ResetError()), rate: 0.5)], clock: clock,
                                            random: ScriptedRandom(fractions: [0.3, 0.7]))
        let calls = Counter()
        let result = await drive(clock) {
            try await pipeline.run(injecting: faults, idempotent: true) { _ in calls.increment(); return "done" }
        }
        #expect(try result.get() == "done")
        #expect(calls.count == 1)
        let history = records.withLock { $0 }
        #expect(history.map(\.action) == [.retry, .succeeded])
        #expect(history.first?.kind == .connectionReset)
    }

    @Test func injectedFailuresOnEveryAttemptExhaustTheRetries() async throws {
        let clock = ManualClock()
        let budget = RetryBudget()
        let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 3), budget: budget)
        let faults = try FaultInjection<Int>([.init(.failure(Failure(.httpUnavailable, status: 503)), rate: 1)], clock: clock)
        let result = await drive(clock) { try await pipeline.run(idempotent: true, faults.wrap { _ in 1 }) }
        let failure = try #require(result.failure as? Failure)
        #expect(failure.kind == .httpUnavailable)
        #expect(failure.history.count == 3)
        #expect(budget.level == 7)
        #expect(faults.counts.fired == [3])
    }
}
