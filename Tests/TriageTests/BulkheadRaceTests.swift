import Synchronization
import Testing
import TriageTestKit

/// The bulkhead's queue under races: no lost wakeup, never more queued than allowed, and the wait
/// counts against the attempt's deadline.
@Suite struct BulkheadRaceTests {
    /// A slot released while a caller is between "decide to queue" and "join the queue" must reach
    /// it. The wedge is visible as a state that never changes: nothing running, somebody queued.
    @Test func aSlotReleasedAsACallerQueuesWakesIt() async throws {
        let bulkhead = try Bulkhead(maximumConcurrent: 1, maximumQueued: 1)
        var wedged = 0
        for _ in 0..<100_000 {
            try await bulkhead.acquire()
            let waiter = Task {
                try await bulkhead.acquire()
                bulkhead.release()
            }
            bulkhead.release()
            var settled = false
            for _ in 0..<1_000_000 {
                if bulkhead.running == 0, bulkhead.queued == 0 { settled = true; break }
                if bulkhead.running == 0, bulkhead.queued == 1 { break }  // asleep with a free slot
                await Task.yield()
            }
            if !settled {
                wedged += 1
                try? await bulkhead.acquire()  // wakes the sleeper so the round can end
                bulkhead.release()
            }
            _ = try? await waiter.value
            if wedged > 0 { break }
        }
        #expect(wedged == 0, "a queued caller slept through a free slot")
    }

    /// Callers counted as queued hold their place at once: the queue never exceeds its bound.
    @Test func theQueueBoundHoldsUnderConcurrentArrivals() async throws {
        for _ in 0..<200 {
            let bulkhead = try Bulkhead(maximumConcurrent: 1, maximumQueued: 2)
            try await bulkhead.acquire()
            let rejected = Counter()
            let waiters = (0..<16).map { _ in
                Task {
                    do { try await bulkhead.acquire() } catch { rejected.increment(); return }
                    bulkhead.release()
                }
            }
            for _ in 0..<100_000 where rejected.count + bulkhead.queued < 16 { await Task.yield() }
            #expect(bulkhead.queued <= 2)
            #expect(rejected.count == 14, "\(rejected.count) rejected, \(bulkhead.queued) queued of 16 with room for 2")
            bulkhead.release()
            for waiter in waiters { await waiter.value }
            #expect(bulkhead.running == 0)
        }
    }

    /// A call queued behind a busy slot gives up when its attempt's time is up, without sending.
    @Test func theBulkheadWaitCountsAgainstTheAttemptTimeout() async throws {
        let clock = ManualClock()
        let bulkhead = try Bulkhead(maximumConcurrent: 1, maximumQueued: 1)
        try await bulkhead.acquire()
        let calls = Counter()
        let pipeline = Pipeline(clock: clock, retry: .never, bulkhead: bulkhead, deadline: .seconds(30), attemptTimeout: .seconds(1))
        let call = Task { try await pipeline.run(idempotent: true) { _ in calls.increment() } }
        for _ in 0..<100_000 where clock.sleeperCount == 0 { await Task.yield() }
        #expect(clock.sleeperCount == 1, "the queued call waits without a timer")
        if clock.sleeperCount == 1 { clock.advance(by: .seconds(1)) } else { bulkhead.release() }
        let failure = try #require(await call.result.failure as? Failure)
        #expect(failure.kind == .attemptTimeout)
        #expect(failure.delivery == .notSent)
        #expect(calls.count == 0)
        #expect(bulkhead.queued == 0)
        bulkhead.release()
        #expect(bulkhead.running == 0)
    }
}
