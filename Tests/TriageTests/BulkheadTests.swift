import Testing
import TriageTestKit
import Triage

@Suite struct BulkheadTests {
    @Test func rejectsBeyondItsSlotsAndQueue() async throws {
        let bulkhead = try Bulkhead(maximumConcurrent: 1, maximumQueued: 1)
        try await bulkhead.acquire()
        let queued = Task { try await bulkhead.acquire() }
        while bulkhead.queued < 1 { await Task.yield() }
        await #expect {
            try await bulkhead.acquire()
        } throws: { error in
            (error as? Failure)?.kind == .concurrencyLimited && (error as? Failure)?.delivery == .notSent
        }
        bulkhead.release()
        try await queued.value
        #expect(bulkhead.running == 1)
        bulkhead.release()
        #expect(bulkhead.running == 0)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let bulkhead = try Bulkhead(maximumConcurrent: 1, maximumQueued: 1)
        try await bulkhead.acquire()
        let queued = Task { try await bulkhead.acquire() }
        while bulkhead.queued < 1 { await Task.yield() }
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        bulkhead.release()
        #expect(bulkhead.running == 0)
    }
}
