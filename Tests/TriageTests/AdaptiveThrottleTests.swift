import Testing
import TriageTestKit
import Triage

@Suite struct AdaptiveThrottleTests {
    @Test func rejectsInProportionToRefusals() throws {
        let throttle = try AdaptiveThrottle(k: 2)
        #expect(throttle.rejectionProbability(now: .zero) == 0)
        for _ in 0..<100 { throttle.record(accepted: false, now: .seconds(1)) }
        // requests 100, accepts 0: 100/101.
        #expect(abs(throttle.rejectionProbability(now: .seconds(1)) - 100.0 / 101.0) < 1e-9)
        for _ in 0..<100 { throttle.record(accepted: true, now: .seconds(1)) }
        // requests 200, accepts 100: max(0, (200 − 200)/201) = 0.
        #expect(throttle.rejectionProbability(now: .seconds(1)) == 0)
        #expect(throttle.allow(now: .seconds(1), random: 0))
    }

    @Test func oldRequestsAgeOutOfTheWindow() throws {
        let throttle = try AdaptiveThrottle(k: 2, window: .seconds(10))
        for _ in 0..<50 { throttle.record(accepted: false, now: .seconds(1)) }
        #expect(throttle.rejectionProbability(now: .seconds(2)) > 0.9)
        #expect(throttle.rejectionProbability(now: .seconds(30)) == 0)
    }

    @Test func aPipelineRejectsLocallyWhileTheBackendRefuses() async throws {
        let clock = ManualClock()
        let throttle = try AdaptiveThrottle(k: 2)
        let pipeline = Pipeline(clock: clock, retry: .never, throttle: throttle)
        let sent = Counter()
        var kinds: [FailureKind: Int] = [:]
        for _ in 0..<400 {
            let result = await drive(clock) { try await pipeline.run { _ -> Int in sent.increment(); throw Transient() } }
            if let failure = result.failure as? Failure { kinds[failure.kind, default: 0] += 1 }
        }
        // Refusing everything, p → 1: most calls never leave the client, and those are notSent.
        #expect(kinds[.concurrencyLimited, default: 0] > 300, "\(kinds)")
        #expect(sent.count + kinds[.concurrencyLimited, default: 0] == 400)
        let local = await drive(clock) { try await pipeline.run { _ -> Int in 1 } }
        if let failure = local.failure as? Failure {
            #expect(failure.kind == .concurrencyLimited)
            #expect(failure.delivery == .notSent)
        }
    }
}
