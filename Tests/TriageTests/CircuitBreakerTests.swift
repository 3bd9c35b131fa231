import Testing
import TriageTestKit
import Triage

@Suite struct CircuitBreakerTests {
    func state(_ trip: CircuitBreakerPolicy.Trip = .consecutiveFailures(3), open: Duration = .seconds(10), probes: Int = 1) throws -> CircuitBreakerState {
        CircuitBreakerState(policy: CircuitBreakerPolicy(trip: trip, openDuration: open, halfOpenProbes: probes))
    }

    @Test func consecutiveFailuresOpenItAndASuccessResetsTheCount() throws {
        var breaker = try state()
        breaker.record(success: false, now: .zero)
        breaker.record(success: false, now: .zero)
        breaker.record(success: true, now: .zero)
        breaker.record(success: false, now: .zero)
        breaker.record(success: false, now: .zero)
        #expect(breaker.phase == .closed)
        #expect(breaker.record(success: false, now: .seconds(1)) == .open)
        #expect(breaker.admit(now: .seconds(4)) == .reject(remaining: .seconds(7)))
    }

    @Test func halfOpenAllowsOnlyItsProbes() throws {
        var breaker = try state(.consecutiveFailures(1), probes: 2)
        breaker.record(success: false, now: .zero)
        #expect(breaker.admit(now: .seconds(10)) == .probe)
        #expect(breaker.phase == .halfOpen)
        #expect(breaker.admit(now: .seconds(10)) == .probe)
        #expect(breaker.admit(now: .seconds(10)) == .reject(remaining: .zero))
        #expect(breaker.record(success: true, now: .seconds(10)) == .closed)
        #expect(breaker.admit(now: .seconds(10)) == .allow)
    }

    @Test func aFailedProbeOpensItAgain() throws {
        var breaker = try state(.consecutiveFailures(1))
        breaker.record(success: false, now: .zero)
        #expect(breaker.admit(now: .seconds(10)) == .probe)
        #expect(breaker.record(success: false, now: .seconds(10)) == .open)
        #expect(breaker.admit(now: .seconds(11)) == .reject(remaining: .seconds(9)))
    }

    @Test func aServersRetryAfterExtendsTheOpenTimeUpToTheMaximum() throws {
        var breaker = try state(.consecutiveFailures(1))
        breaker.record(success: false, retryAfter: .seconds(60), now: .zero)
        #expect(breaker.admit(now: .seconds(30)) == .reject(remaining: .seconds(30)))
        var capped = try state(.consecutiveFailures(1))
        capped.record(success: false, retryAfter: .seconds(100_000), now: .zero)
        #expect(capped.admit(now: .zero) == .reject(remaining: .seconds(300)))
    }

    @Test func uncountedFailuresDoNotTripIt() throws {
        var breaker = try state(.consecutiveFailures(1))
        breaker.record(success: false, counted: false, now: .zero)
        #expect(breaker.phase == .closed)
        #expect(!CircuitBreakerPolicy.countsFailure(Failure(.httpNotFound)))
        #expect(!CircuitBreakerPolicy.countsFailure(Failure(.cancelled)))
        #expect(!CircuitBreakerPolicy.countsFailure(Failure(.deadlineExceeded)))
        #expect(CircuitBreakerPolicy.countsFailure(Failure(.httpUnavailable)))
        #expect(CircuitBreakerPolicy.countsFailure(Failure(.connectRefused)))
        // Throttling: the server is up; Retry-After slows the client, the breaker stays closed.
        #expect(!CircuitBreakerPolicy.countsFailure(Failure(.httpThrottled, retryAfter: .seconds(1))))
        #expect(CircuitBreakerPolicy.isServerTransient(Failure(.httpThrottled, retryAfter: .seconds(1))))
    }

    @Test func failureRatioNeedsItsMinimumThroughput() throws {
        var breaker = try state(.failureRatio(0.5, window: .seconds(10), minimumCalls: 10))
        for _ in 0..<9 { breaker.record(success: false, now: .seconds(1)) }
        #expect(breaker.phase == .closed)
        breaker.record(success: false, now: .seconds(2))
        #expect(breaker.phase == .open)

        var mixed = try state(.failureRatio(0.6, window: .seconds(10), minimumCalls: 4))
        for index in 0..<20 { mixed.record(success: index % 3 != 0, now: .milliseconds(100 * index)) }
        #expect(mixed.phase == .closed)
    }

    @Test func oldCallsLeaveTheWindow() throws {
        var breaker = try state(.failureRatio(0.5, window: .seconds(10), minimumCalls: 4))
        for _ in 0..<3 { breaker.record(success: false, now: .seconds(0)) }
        // Thirty seconds later the old failures no longer count: one more is not enough.
        breaker.record(success: false, now: .seconds(30))
        #expect(breaker.phase == .closed)
    }

    @Test func transitionsAreObservable() throws {
        let transitions = TransitionLog()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(1))) { from, to in
            transitions.append("\(from)→\(to)")
        }
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        _ = breaker.admit(now: .seconds(2))
        breaker.record(success: true, counted: true, retryAfter: nil, now: .seconds(2))
        #expect(transitions.entries == ["closed→open", "open→halfOpen", "halfOpen→closed"])
    }
}

/// The shared breaker answers the success path and open rejections from lock-free copies of its
/// state; they must agree with the state after every transition.
@Suite struct CircuitBreakerMirrorTests {
    @Test func isClosedAndOpenRemainingFollowEveryTransition() throws {
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(2), openDuration: .seconds(10)))
        #expect(breaker.isClosed)
        #expect(breaker.openRemaining(now: .zero) == nil)
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        breaker.record(success: true, counted: true, retryAfter: nil, now: .zero)
        breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(1))
        #expect(breaker.isClosed, "the success in between reset the count")
        breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(2))
        #expect(!breaker.isClosed)
        #expect(breaker.openRemaining(now: .seconds(5)) == .seconds(7))
        #expect(breaker.openRemaining(now: .milliseconds(11_999)) == .milliseconds(1))
        #expect(breaker.openRemaining(now: .seconds(12)) == nil, "due to half-open: the caller must admit")
        #expect(breaker.admit(now: .seconds(12)) == .probe)
        #expect(!breaker.isClosed)
        #expect(breaker.openRemaining(now: .seconds(12)) == nil)
        breaker.record(success: true, counted: true, retryAfter: nil, now: .seconds(12))
        #expect(breaker.isClosed)
        #expect(breaker.phase == .closed)
    }

    @Test func aSuccessAfterAFailureIsRecordedEvenThoughMostSuccessesAreSkipped() throws {
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(2), openDuration: .seconds(10)))
        for second in 0..<5 {
            breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(second))
            breaker.record(success: true, counted: true, retryAfter: nil, now: .seconds(second))
        }
        #expect(breaker.isClosed, "each success cleared the failure before it")
    }

    @Test func aRatioBreakerRecordsEverySuccessInItsWindow() throws {
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .failureRatio(0.5, window: .seconds(10), minimumCalls: 4),
                                                                      openDuration: .seconds(10)))
        for _ in 0..<3 { breaker.record(success: true, counted: true, retryAfter: nil, now: .seconds(1)) }
        breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(1))
        #expect(breaker.isClosed, "1 failure in 4 calls is below one half")
        breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(1))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .seconds(1))
        #expect(!breaker.isClosed, "3 in 6 is one half")
    }
}

@Suite struct LocalRejectionTests {
    @Test func aBulkheadRejectionReleasesTheHalfOpenProbeWithoutClosingTheCircuit() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(1)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let bulkhead = try Bulkhead(maximumConcurrent: 1)
        try await bulkhead.acquire()
        let pipeline = Pipeline(clock: clock, retry: .never, breaker: breaker, bulkhead: bulkhead)
        clock.advance(by: .seconds(2))
        let rejected = await drive(clock) { try await pipeline.run { _ in 1 } }
        #expect((rejected.failure as? Failure)?.kind == .concurrencyLimited)
        #expect(breaker.phase == .halfOpen)
        bulkhead.release()
        // The probe slot is free again: the next call is the probe, and its success closes the circuit.
        #expect(try await pipeline.run { _ in 2 } == 2)
        #expect(breaker.phase == .closed)
    }
}

final class TransitionLog: Sendable {
    private let storage = LockedValue<[String]>([])
    func append(_ entry: String) { storage.withLock { $0.append(entry) } }
    var entries: [String] { storage.withLock { $0 } }
}

import Synchronization
