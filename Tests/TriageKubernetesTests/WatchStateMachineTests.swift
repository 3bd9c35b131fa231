import Testing
import Triage
import TriageTestKit
@testable import TriageKubernetes

/// The supervisor's rules without a server: outcomes in, verdicts out.
@Suite struct WatchStateMachineTests {
    static let timeout = Duration.seconds(100)

    func outcome(_ lasted: Duration, events: Int = 0, bookmarks: Int = 0, _ end: WatchStateMachine.StreamEnd) -> WatchStateMachine.StreamOutcome {
        WatchStateMachine.StreamOutcome(lasted: lasted, requestedTimeout: Self.timeout, events: events, bookmarks: bookmarks, end: end)
    }

    static let reset = Triage.Failure(.connectionReset, detail: "ECONNRESET")

    @Test func cutAtNineTenthsOfTheTimeoutIsNormal() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let verdict = machine.streamEnded(outcome(.seconds(90), .cut(Self.reset)), using: &random)
        #expect(verdict.kind == .streamEnded)
        #expect(verdict.decision == .reconnect)
        #expect(verdict.delay == .zero)
        #expect(verdict.next == .watch)
    }

    @Test func cutAtOneTenthOfTheTimeoutWithoutEventsBacksOff() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let verdict = machine.streamEnded(outcome(.seconds(10), .cut(Self.reset)), using: &random)
        #expect(verdict.kind == .streamEndedEarly)
        #expect(verdict.decision == .retry)
        #expect(verdict.delay >= .milliseconds(400) && verdict.delay < .milliseconds(800))
        #expect(verdict.delaySource == .backoff(rung: 1, ceiling: .milliseconds(800), random: verdict.delaySource.random))
    }

    @Test func earlyEndWithEventsResumesAtOnce() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let verdict = machine.streamEnded(outcome(.seconds(10), events: 3, .clean), using: &random)
        #expect(verdict.delay == .zero)
        #expect(verdict.next == .watch)
        #expect(machine.failures == 0)
    }

    @Test func earlyEndWithEventsThatDidNotAdvanceTheVersionBacksOff() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        var replayed = outcome(.seconds(10), events: 3, .clean)
        replayed.advanced = false
        let verdict = machine.streamEnded(replayed, using: &random)
        #expect(verdict.kind == .streamEndedEarly)
        #expect(verdict.delay > .zero)
        #expect(machine.failures == 1)
        // At the server's timeout the same stream is a normal end.
        replayed.lasted = .seconds(95)
        #expect(machine.streamEnded(replayed, using: &random).kind == .streamEnded)
    }

    @Test func ladderDoublesToTheCapAndResetsAfterTwoHealthyMinutes() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 7)
        var ceilings: [Duration] = []
        for _ in 0..<8 {
            let verdict = machine.streamEnded(outcome(.zero, .clean), using: &random)
            if case .backoff(_, let ceiling, _) = verdict.delaySource { ceilings.append(ceiling) }
            #expect(verdict.delay > .zero && verdict.delay <= .seconds(30))
        }
        #expect(ceilings == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                             .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30)])
        // 100 s of healthy watching is not enough; 200 s is.
        _ = machine.streamEnded(outcome(.seconds(100), events: 5, .clean), using: &random)
        #expect(machine.failures == 8)
        _ = machine.streamEnded(outcome(.seconds(100), events: 5, .clean), using: &random)
        #expect(machine.failures == 0)
        let after = machine.streamEnded(outcome(.zero, .clean), using: &random)
        #expect(after.delaySource == .backoff(rung: 1, ceiling: .milliseconds(800), random: after.delaySource.random))
    }

    @Test func expiredErrorEventRelists() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let status = KubernetesStatus(message: "too old resource version: 5 (9)", reason: "Expired", code: 410)
        let verdict = machine.streamEnded(outcome(.seconds(1), events: 1, .errorEvent(status)), using: &random)
        #expect(verdict.kind == .watchExpired)
        #expect(verdict.next == .relist(fromLatest: false))
        #expect(verdict.delay == .zero)
    }

    /// A server that expires every watch at once was listed in a tight loop (124 lists in 6 s).
    @Test func anExpiryRightAfterAnExpirysRelistBacksOff() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let status = KubernetesStatus(message: "too old resource version: 5 (9)", reason: "Expired", code: 410)
        let first = machine.streamEnded(outcome(.milliseconds(10), .errorEvent(status)), using: &random)
        #expect(first.delay == .zero)
        let again = machine.streamEnded(outcome(.milliseconds(10), .errorEvent(status)), using: &random)
        #expect(again.kind == .watchExpired)
        #expect(again.next == .relist(fromLatest: false))
        #expect(again.delay > .zero)
        #expect(again.delaySource == .backoff(rung: 1, ceiling: .milliseconds(800), random: again.delaySource.random))
        let gone = machine.requestFailed(Triage.Failure(.watchExpired, status: 410), using: &random)
        #expect(gone.delaySource == .backoff(rung: 2, ceiling: .milliseconds(1600), random: gone.delaySource.random))
        // Events after the relist: the next expiry relists at once again.
        _ = machine.streamEnded(outcome(.seconds(100), events: 3, .clean), using: &random)
        let later = machine.streamEnded(outcome(.seconds(1), .errorEvent(status)), using: &random)
        #expect(later.delay == .zero)
    }

    @Test func internalErrorEventWatchesAgainWithoutRelist() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let status = KubernetesStatus(message: "etcd timed out", reason: "InternalError", code: 500)
        let verdict = machine.streamEnded(outcome(.seconds(1), events: 1, .errorEvent(status)), using: &random)
        #expect(verdict.next == .watch)
        #expect(verdict.delay > .zero)
    }

    @Test func tooLargeResourceVersionListsTheLatest() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let status = KubernetesStatus(message: "Too large resource version: 99, current: 5", reason: "Timeout",
                                      details: .init(causes: [.init(reason: "ResourceVersionTooLarge")]), code: 504)
        let verdict = machine.streamEnded(outcome(.seconds(1), events: 1, .errorEvent(status)), using: &random)
        #expect(verdict.next == .relist(fromLatest: true))
    }

    @Test func refusedListAtLastVersionFallsBackToLatest() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let expired = Triage.Failure(.watchExpired, status: 410)
        #expect(machine.requestFailed(expired, duringList: true, listFromLatest: false, using: &random).next == .relist(fromLatest: true))
        #expect(machine.requestFailed(expired, using: &random).next == .relist(fromLatest: false))
    }

    @Test func throttledWaitsAtLeastRetryAfter() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let throttled = Triage.Failure(.httpThrottled, retryAfter: .seconds(7), status: 429)
        let verdict = machine.requestFailed(throttled, using: &random)
        #expect(verdict.decision == .retryAfter)
        #expect(verdict.delay >= .seconds(7))
        #expect(verdict.delaySource == .retryAfter)
        #expect(verdict.reason == "the server asked to wait 7 s")
    }

    /// An open breaker's wait is local: the reason says so (it said "the server asked to wait").
    @Test func anOpenBreakerIsNamedAsTheWaitsSource() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let verdict = machine.requestFailed(Triage.Failure(.circuitOpen, retryAfter: .seconds(4)), using: &random)
        #expect(verdict.decision == .retryAfter)
        #expect(verdict.reason == "the circuit breaker is open for 4 s")
    }

    @Test(arguments: [FailureKind.httpUnauthorized, .httpForbidden, .httpNotFound])
    func authorizationFailuresDegradeAtTheCappedBackoff(kind: FailureKind) {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        let verdict = machine.requestFailed(Triage.Failure(kind, status: 401), using: &random)
        #expect(verdict.degraded)
        #expect(verdict.next == .watch)
        #expect(verdict.delay >= .seconds(15) && verdict.delay <= .seconds(30))
    }

    @Test func permanentFailureGivesUp() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        #expect(machine.requestFailed(Triage.Failure(.httpBadRequest, status: 400), using: &random).next == .giveUp)
    }

    @Test func stallTimeoutShortensOnceBookmarksAreSeen() {
        var machine = WatchStateMachine()
        var random = SeededRandom(seed: 1)
        #expect(machine.stallTimeout(requested: .seconds(240)) == .seconds(270))
        _ = machine.streamEnded(outcome(.seconds(100), events: 2, bookmarks: 1, .clean), using: &random)
        #expect(machine.stallTimeout(requested: .seconds(240)) == .seconds(75))
    }
}

extension WatchVerdict.DelaySource {
    var random: Double? {
        if case .backoff(_, _, let random) = self { return random }
        return nil
    }
}
