import Testing
import TriageOutbox
import TriageOutboxSQLite

@Suite("SQLiteOutboxStore hand-over of delivered keys")
struct SQLiteOutboxHandOverTests {
    let done = OutboxAttempt(number: 1, at: 5, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)

    @Test("a delivered mark hands over its own key's next message only; other keys' due heads wait for a claim")
    func handsOverOnlyTheDeliveredKey() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let a = try await store.enqueue((1...3).map { OutboxMessage(key: "a", destination: "http://x", text: "a\($0)") }, now: 0)
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0).map(\.id) == [a[0]])
        let b = try await store.enqueue([OutboxMessage(key: "b", destination: "http://x", text: "b1")], now: 1)
        let next = try await store.markDelivered(a[0], claim: "w", attempt: done, thenClaim: 2, owner: "w", leaseUntil: 200, now: 5)
        #expect(next.map(\.id) == [a[1]], "the key's next message, not its third nor another key's head")
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 200, now: 5).map(\.id) == [b[0]])
    }

    @Test("a key's next message that is not due yet is not handed over, and is claimed once it is")
    func notDueIsNotHandedOver() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let first = try await store.enqueue([OutboxMessage(key: "a", destination: "http://x", text: "a1")], now: 0)
        let second = try await store.enqueue([OutboxMessage(key: "a", destination: "http://x", text: "a2")], now: 10)
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0).map(\.id) == first)
        #expect(try await store.markDelivered(first[0], claim: "w", attempt: done, thenClaim: 1, owner: "w", leaseUntil: 100, now: 5).isEmpty)
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 10).map(\.id) == second)
    }

    @Test("a mark of a message already delivered hands nothing over")
    func repeatedMarkHandsNothingOver() async throws {
        let store = try await openTemporaryStore()
        defer { Task { await store.close() } }
        let a = try await store.enqueue((1...2).map { OutboxMessage(key: "a", destination: "http://x", text: "a\($0)") }, now: 0)
        #expect(try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0).map(\.id) == [a[0]])
        try await store.markDelivered(a[0], claim: "w", attempt: done)
        #expect(try await store.markDelivered(a[0], claim: "w", attempt: done, thenClaim: 1, owner: "w", leaseUntil: 100, now: 5).isEmpty)
        #expect(try await store.stats(now: 5) == OutboxStats(pending: 1, inflight: 0, delivered: 1, dead: 0))
    }
}
