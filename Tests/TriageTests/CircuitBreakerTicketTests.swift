import Synchronization
import Testing
import TriageTestKit

/// The breaker cannot wedge: every admitted call reports or gives back its ticket, only tickets of
/// the current generation count, and a probe that never reports is released after a bound.
@Suite struct CircuitBreakerTicketTests {
    /// Waits (yielding, bounded) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async {
        for _ in 0..<100_000 where !condition() { await Task.yield() }
    }

    /// A probe whose deadline passed while it waited out the open time must give its slot back.
    @Test func aProbeWhoseDeadlinePassedDuringTheWaitDoesNotWedgeTheBreaker() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(10)))
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 3), breaker: breaker, deadline: .milliseconds(10_500))
        let calls = Counter()
        let waiting = Task { try await pipeline.run(idempotent: true) { _ in calls.increment(); return 1 } }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(11))  // the wait ends after the 10.5 s deadline
        let first = try #require(await waiting.result.failure as? Failure)
        #expect(first.kind == .deadlineExceeded)
        #expect(calls.count == 0)

        let next = await drive(clock) { try await pipeline.run(idempotent: true) { _ in calls.increment(); return 2 } }
        #expect(try next.get() == 2)
        #expect(calls.count == 1)
        #expect(breaker.phase == .closed)
    }

    /// A probe that never reports holds its slot for `maximumProbeDuration` at most; callers that lose
    /// the probe race back off by the formula instead of coming straight back.
    @Test func aProbeThatNeverReportsIsReleasedAfterItsBound() async throws {
        let clock = ManualClock()
        let policy = CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(1), maximumProbeDuration: .seconds(5))
        let breaker = try CircuitBreaker(policy: policy)
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        clock.advance(by: .seconds(2))
        let records = LockedValue<[DecisionRecord]>([])
        let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 2), breaker: breaker,
                                observer: { record in records.withLock { $0.append(record) } })
        let stuck = AsyncGate()
        let probe = Task { try await pipeline.run(idempotent: true) { _ -> Int in await stuck.wait(); return 0 } }
        await Self.eventually { breaker.phase == .halfOpen }

        let loser = await drive(clock) { try await pipeline.run(idempotent: true) { _ in 1 } }
        #expect((loser.failure as? Failure)?.kind == .circuitOpen)
        let backedOff = records.withLock { $0.first }
        if case .backoff? = backedOff?.delaySource {} else { Issue.record("the loser did not back off: \(String(describing: backedOff))") }
        #expect((backedOff?.delay ?? .zero) > .zero)

        clock.advance(by: .seconds(6))
        let after = await drive(clock) { try await pipeline.run(idempotent: true) { _ in 2 } }
        #expect(try after.get() == 2)
        #expect(breaker.phase == .closed)
        stuck.open()
        _ = await probe.result
        #expect(breaker.phase == .closed)
    }

    /// Calls admitted while closed that finish during half-open neither free the probe's slot nor
    /// decide the circuit: never more probes in flight than allowed.
    @Test(arguments: [true, false])
    func staleCompletionsDuringHalfOpenChangeNothing(staleCallsSucceed: Bool) async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(3), openDuration: .seconds(1)))
        let pipeline = Pipeline(clock: clock, retry: .never, breaker: breaker)
        let staleGate = AsyncGate(), probeGate = AsyncGate()
        let started = Counter(), staleDone = Counter(), reachedDuringProbe = Counter()

        let stale = (0..<20).map { _ in
            Task {
                _ = try? await pipeline.run(idempotent: true) { _ -> Int in
                    started.increment()
                    await staleGate.wait()
                    if staleCallsSucceed { return 1 }
                    throw Transient()
                }
                staleDone.increment()
            }
        }
        await Self.eventually { started.count == 20 }
        for _ in 0..<3 { breaker.record(success: false, counted: true, retryAfter: nil, now: .zero) }
        #expect(breaker.phase == .open)
        clock.advance(by: .seconds(2))

        let probe = Task { try await pipeline.run(idempotent: true) { _ -> Int in await probeGate.wait(); return 7 } }
        await Self.eventually { breaker.phase == .halfOpen }
        staleGate.open()
        for task in stale { await task.value }
        #expect(staleDone.count == 20)
        #expect(breaker.phase == .halfOpen)

        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { _ = try? await pipeline.run(idempotent: true) { _ -> Int in reachedDuringProbe.increment(); return 0 } }
            }
        }
        #expect(reachedDuringProbe.count == 0, "calls reached the dependency beside the one probe allowed")
        probeGate.open()
        #expect(try await probe.value == 7)
        #expect(breaker.phase == .closed)
    }

    /// Many tasks admitting and reporting at once: outstanding probes never exceed the policy's.
    @Test func concurrentAdmissionsNeverExceedTheProbeLimit() async throws {
        let policy = CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .nanoseconds(1), halfOpenProbes: 2)
        let breaker = try CircuitBreaker(policy: policy)
        final class Probes: Sendable {
            let outstanding = Atomic(0)
            let worst = Atomic(0)
        }
        let probes = Probes()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<2_000 {
                        let now = Duration.milliseconds(round)
                        guard case .admitted(let ticket) = breaker.admitTicket(now: now) else { continue }
                        if ticket.isProbe {
                            let count = probes.outstanding.add(1, ordering: .sequentiallyConsistent).newValue
                            probes.worst.max(count, ordering: .sequentiallyConsistent)
                            await Task.yield()
                            probes.outstanding.subtract(1, ordering: .sequentiallyConsistent)
                        }
                        breaker.report(ticket, success: (round + worker) % 3 == 0, counted: true, retryAfter: nil, now: now)
                    }
                }
            }
        }
        #expect(probes.worst.load(ordering: .sequentiallyConsistent) <= 2)
    }
}
