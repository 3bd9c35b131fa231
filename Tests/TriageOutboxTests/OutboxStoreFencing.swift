import Testing
import TriageOutbox

/// What every store must do once a lease lapsed and another claimant took the message over: the old
/// claimant's renewal and delivered mark change nothing (its mark would make the key's next message the
/// head while the taker may still be sending this one), and the taker's count. A lapsed lease that
/// nobody took is renewed. Run on the SQLite and the PostgreSQL store.
func checkTakenOverClaimsAreFenced(_ store: some OutboxStore) async throws {
    let done = OutboxAttempt(number: 1, at: 1600, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)
    let ids = try await store.enqueue([OutboxMessage(key: "k", destination: "http://x", text: "m1"),
                                       OutboxMessage(key: "k", destination: "http://x", text: "m2")], now: 0)
    #expect(try await store.claim(limit: 1, owner: "old", leaseUntil: 1000, now: 0).map(\.id) == [ids[0]])
    #expect(try await store.renew([ids[0]], claim: "old", leaseUntil: 1200) == [ids[0]])
    #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 31_000, now: 1500).map(\.id) == [ids[0]])

    #expect(try await store.renew([ids[0]], claim: "old", leaseUntil: 40_000).isEmpty)
    try await store.markDelivered(ids[0], claim: "old", attempt: done)
    #expect(try await store.stats(now: 1600) == OutboxStats(pending: 1, inflight: 1, delivered: 0, dead: 0))
    #expect(try await store.attempts(of: ids[0]).isEmpty)
    #expect(try await store.claim(limit: 1, owner: "other", leaseUntil: 31_000, now: 1600).isEmpty, "m2 is not the head")

    try await store.markDelivered(ids[0], claim: "new", attempt: done)
    #expect(try await store.attempts(of: ids[0]) == [done])
    #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 2000, now: 1700).map(\.id) == [ids[1]])
    #expect(try await store.renew([ids[1]], claim: "new", leaseUntil: 9000) == [ids[1]], "lapsed at 2000, taken by nobody")
    #expect(try await store.stats(now: 5000) == OutboxStats(pending: 0, inflight: 1, delivered: 1, dead: 0))
}
