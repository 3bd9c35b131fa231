import Testing
import TriageOutbox

// What every OutboxStore must do, run on the SQLite and the PostgreSQL store by their suites.

/// Only the head of each key is claimed; the next once the head is delivered, with its payload and headers.
func checkClaimsHandOutKeyHeadsOnly(_ store: some OutboxStore) async throws {
    let done = OutboxAttempt(number: 1, at: 1, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)
    var a2 = OutboxMessage(key: "a", destination: "http://x", text: "a2")
    a2.headers = [OutboxHeader("X-One", "1"), OutboxHeader("X-Two", "2")]
    let ids = try await store.enqueue([
        OutboxMessage(key: "a", destination: "http://x", text: "a1"), a2,
        OutboxMessage(key: "b", destination: "http://x", text: "b1"), OutboxMessage(key: "a", destination: "http://x", text: "a3"),
    ], now: 1000)
    let first = try await store.claim(limit: 10, owner: "w1", leaseUntil: 31_000, now: 1000)
    #expect(first.map(\.key) == ["a", "b"])
    #expect(first.map(\.seq) == [1, 1])
    #expect(try await store.claim(limit: 10, owner: "w2", leaseUntil: 31_000, now: 1000).isEmpty)
    try await store.markDelivered(ids[0], claim: "w1", attempt: done)
    let second = try await store.claim(limit: 10, owner: "w2", leaseUntil: 31_000, now: 1002)
    #expect(second.map(\.id) == [ids[1]])
    #expect(second.first?.seq == 2)
    #expect(second.first?.payload == Array("a2".utf8))
    #expect(second.first?.headers == a2.headers)
    #expect(try await store.attempts(of: ids[0]) == [done])
    #expect(try await store.stats(now: 1002) == OutboxStats(pending: 1, inflight: 2, delivered: 1, dead: 0))
}

/// A lapsed lease lets another claimant take the message; the old claimant's reschedule is then ignored.
func checkALapsedLeaseHandsOver(_ store: some OutboxStore) async throws {
    let id = try await store.enqueue([OutboxMessage(destination: "http://x", text: "m")], now: 0)[0]
    _ = try await store.claim(limit: 1, owner: "old", leaseUntil: 1000, now: 0)
    #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 2000, now: 999).isEmpty)
    #expect(try await store.claim(limit: 1, owner: "new", leaseUntil: 31_000, now: 1000).map(\.id) == [id])
    let attempt = OutboxAttempt(number: 1, at: 1001, kind: "connect.refused", delivery: "notSent", status: nil, delayMilliseconds: 5)
    try await store.reschedule(id, claim: "old", due: 1006, retryAfter: false, attempt: attempt)
    #expect(try await store.stats(now: 1002) == OutboxStats(pending: 0, inflight: 1, delivered: 0, dead: 0))
    #expect(try await store.attempts(of: id).isEmpty)
    try await store.reschedule(id, claim: "new", due: 1006, retryAfter: false, attempt: attempt)
    #expect(try await store.attempts(of: id) == [attempt])
    #expect(try await store.nextDue(now: 1002) == 1006)
}

/// Dead letters keep their failure; sequence numbers come from the key's counter row and keep counting.
func checkDeadLettersAndSequence(_ store: some OutboxStore) async throws {
    let done = OutboxAttempt(number: 1, at: 1, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)
    for round in 1...3 {
        let id = try await store.enqueue([OutboxMessage(key: "k", destination: "http://x", text: "\(round)")], now: 0)[0]
        let claimed = try await store.claim(limit: 5, owner: "w", leaseUntil: 100, now: 0)
        #expect(claimed.map(\.seq) == [Int64(round)])
        if round == 2 {
            let attempt = OutboxAttempt(number: 1, at: 5, kind: "http.invalid", delivery: "processed", status: 422, delayMilliseconds: nil)
            try await store.deadLetter(id, claim: "w", kind: "http.invalid", status: 422, reason: "422 Unprocessable", attempt: attempt)
        } else {
            try await store.markDelivered(id, claim: "w", attempt: done)
        }
    }
    let letters = try await store.deadLetters()
    #expect(letters.map(\.seq) == [2])
    #expect(letters.first?.kind == "http.invalid")
    #expect(letters.first?.status == 422)
    #expect(letters.first?.attempts == 1)
    #expect(letters.first?.reason == "422 Unprocessable")
}

/// Pruning deletes old delivered messages with their attempts; stats still count them as delivered.
func checkPruningKeepsTheCount(_ store: some OutboxStore) async throws {
    let ids = try await store.enqueue((1...3).map { OutboxMessage(key: "k\($0)", destination: "http://x", text: "\($0)") }, now: 0)
    _ = try await store.claim(limit: 3, owner: "w", leaseUntil: 100, now: 0)
    for (id, at) in zip(ids.prefix(2), [10, 50] as [Int64]) {
        try await store.markDelivered(id, claim: "w", attempt: OutboxAttempt(number: 1, at: at, kind: nil, delivery: "processed",
                                                                                status: nil, delayMilliseconds: nil))
    }
    #expect(try await store.pruneDelivered(finishedBefore: 20) == 1)
    #expect(try await store.pruneDelivered(finishedBefore: 20) == 0)
    #expect(try await store.attempts(of: ids[0]).isEmpty)
    #expect(try await store.attempts(of: ids[1]).count == 1)
    #expect(try await store.stats(now: 60) == OutboxStats(pending: 0, inflight: 1, delivered: 2, dead: 0))
}

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

/// A renewal answered late, after a later one, does not shorten the lease: the store keeps the later end.
func checkALateRenewalDoesNotShortenTheLease(_ store: some OutboxStore) async throws {
    let id = try await store.enqueue([OutboxMessage(destination: "http://x", text: "m")], now: 0)[0]
    _ = try await store.claim(limit: 1, owner: "w", leaseUntil: 1000, now: 0)
    #expect(try await store.renew([id], claim: "w", leaseUntil: 5000) == [id])
    #expect(try await store.renew([id], claim: "w", leaseUntil: 3000) == [id], "still held by w")
    #expect(try await store.claim(limit: 1, owner: "other", leaseUntil: 9000, now: 4000).isEmpty, "the lease ends at 5000")
    #expect(try await store.claim(limit: 1, owner: "other", leaseUntil: 9000, now: 5000).map(\.id) == [id])
}
