import Foundation
import Testing
import Triage
import TriageOutbox
import TriageOutboxSQLite
import TriageTestKit

/// A send starts only under a lease the store confirmed with time to spare: the PostgreSQL fleet test
/// saw one key's requests overlap when a claim's answer came back after its lease had ended (it waited
/// on a connection `pg_terminate_backend` cut) and another worker had re-claimed the message meanwhile.
@Suite("Outbox lease fencing")
struct OutboxLeaseFenceTests {
    static let origin: OutboxTimestamp = 1_700_000_000_000
    static let done = OutboxAttempt(number: 1, at: origin, kind: nil, delivery: "processed", status: nil, delayMilliseconds: nil)

    @Test("a claim answered after its lease ended, the message taken over meanwhile: not sent, not marked; the key goes on")
    func lateClaimAnswerIsNotSent() async throws {
        let clock = ManualClock()
        let receiver = try await RecordingReceiver.start()
        let sqlite = try await openTemporaryStore()
        let store = HeldClaimStore(sqlite)
        var configuration = OutboxConfiguration.defaults
        configuration.pollInterval = .milliseconds(100)
        let outbox = Outbox(store: store, configuration: configuration, clock: OutboxClock(clock, origin: Self.origin), logger: quietLogger)
        let ids = try await sqlite.enqueue([OutboxMessage(key: "k", destination: receiver.url(), text: "m1"),
                                            OutboxMessage(key: "k", destination: receiver.url(), text: "m2")], now: Self.origin)
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport) }
                #expect(await eventually { store.holding })
                // The claim (leased until t+30 s) answers only at t+31 s, after another claimant took m1.
                clock.advance(by: .seconds(31))
                let taker = try await sqlite.claim(limit: 1, owner: "taker", leaseUntil: Self.origin + 61_000, now: Self.origin + 31_000)
                #expect(taker.map(\.id) == [ids[0]])
                store.answer()
                #expect(await eventually { store.renewed.contains(ids[0]) && outbox.inflight.isEmpty })
                #expect(receiver.arrivals.isEmpty, "sent under a lease another claimant holds")
                #expect(try await sqlite.stats(now: Self.origin + 31_000) == OutboxStats(pending: 1, inflight: 1, delivered: 0, dead: 0))

                try await sqlite.markDelivered(ids[0], claim: "taker", attempt: Self.done)
                #expect(await eventually {
                    clock.advance(by: .milliseconds(100))
                    return receiver.arrivals.map(\.body) == ["m2"]
                })
                outbox.stop()
                try await group.waitForAll()
            }
        }
        await sqlite.close()
        await receiver.shutdown()
    }

    @Test("a lease of its own that lapsed mid-send is claimed again without a second copy: the message is in flight once")
    func ownLapsedClaimIsNotSentTwice() async throws {
        let clock = ManualClock()
        let gate = AsyncStream<Void>.makeStream()
        let receiver = try await RecordingReceiver.start { _, number in
            if number == 1 { for await _ in gate.stream {} }
            return .ok
        }
        let sqlite = try await openTemporaryStore()
        let store = HeldClaimStore(sqlite, failingRenewals: true)
        var configuration = OutboxConfiguration.defaults
        configuration.pollInterval = .milliseconds(100)
        let outbox = Outbox(store: store, configuration: configuration, clock: OutboxClock(clock, origin: Self.origin), logger: quietLogger)
        let id = try await sqlite.enqueue([OutboxMessage(key: "k", destination: receiver.url(), text: "m1")], now: Self.origin)[0]
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport) }
                #expect(await eventually { receiver.arrivals.count == 1 })
                // The send hangs while every renewal fails: the lease (30 s) lapses and the claim loop,
                // polling, finds the message claimable again.
                #expect(await eventually {
                    clock.advance(by: .seconds(1))
                    return store.claims(of: id) == 2
                })
                // A second copy would be sent at once; give it the time it would take before looking.
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.arrivals.count == 1, "the message was sent again while its first send was in flight")
                gate.continuation.finish()
                #expect(try await eventually { try await sqlite.stats(now: Self.origin).delivered == 1 })
                #expect(receiver.arrivals.map(\.body) == ["m1"])
                outbox.stop()
                try await group.waitForAll()
            }
        }
        await sqlite.close()
        await receiver.shutdown()
    }
}

/// A store whose first claim's answer is held until ``answer()`` (a claim waiting on a lost connection),
/// and which records the ids it was asked to renew and how often each was claimed; with
/// `failingRenewals`, every renewal throws (the connection is gone) and no claim is held.
final class HeldClaimStore: OutboxStore {
    struct RenewalFailed: Error {}

    let inner: SQLiteOutboxStore
    private let failingRenewals: Bool
    private let state = LockedValue(State())
    private struct State {
        var held: CheckedContinuation<Void, Never>?
        var answered = false
        var renewed: Set<String> = []
        var claims: [String: Int] = [:]
    }

    init(_ inner: SQLiteOutboxStore, failingRenewals: Bool = false) {
        self.inner = inner
        self.failingRenewals = failingRenewals
        if failingRenewals { state.withLock { $0.answered = true } }
    }

    /// How many claims handed out `id`.
    func claims(of id: String) -> Int { state.withLock { $0.claims[id, default: 0] } }

    /// The first claim has its answer and waits for ``answer()``.
    var holding: Bool { state.withLock { $0.held != nil } }
    var renewed: Set<String> { state.withLock { $0.renewed } }

    func answer() {
        state.withLock { state in
            state.answered = true
            state.held?.resume()
            state.held = nil
        }
    }

    func claim(limit: Int, owner: String, leaseUntil: OutboxTimestamp, now: OutboxTimestamp) async throws -> [OutboxRecord] {
        let records = try await inner.claim(limit: limit, owner: owner, leaseUntil: leaseUntil, now: now)
        state.withLock { state in for record in records { state.claims[record.id, default: 0] += 1 } }
        await withCheckedContinuation { continuation in
            let resume = state.withLock { state -> Bool in
                if state.answered { return true }
                state.held = continuation
                return false
            }
            if resume { continuation.resume() }
        }
        return records
    }

    func renew(_ ids: [String], claim: String, leaseUntil: OutboxTimestamp) async throws -> [String] {
        state.withLock { $0.renewed.formUnion(ids) }
        if failingRenewals { throw RenewalFailed() }
        return try await inner.renew(ids, claim: claim, leaseUntil: leaseUntil)
    }

    func enqueue(_ messages: [OutboxMessage], now: OutboxTimestamp) async throws -> [String] { try await inner.enqueue(messages, now: now) }
    func markDelivered(_ id: String, claim: String, attempt: OutboxAttempt) async throws {
        try await inner.markDelivered(id, claim: claim, attempt: attempt)
    }
    func reschedule(_ id: String, claim: String, due: OutboxTimestamp, retryAfter: Bool, attempt: OutboxAttempt) async throws {
        try await inner.reschedule(id, claim: claim, due: due, retryAfter: retryAfter, attempt: attempt)
    }
    func deadLetter(_ id: String, claim: String, kind: String, status: Int?, reason: String, attempt: OutboxAttempt?) async throws {
        try await inner.deadLetter(id, claim: claim, kind: kind, status: status, reason: reason, attempt: attempt)
    }
    func release(_ ids: [String], claim: String) async throws { try await inner.release(ids, claim: claim) }
    func makeBackoffsDue(now: OutboxTimestamp) async throws { try await inner.makeBackoffsDue(now: now) }
    func nextDue(now: OutboxTimestamp) async throws -> OutboxTimestamp? { try await inner.nextDue(now: now) }
    func stats(now: OutboxTimestamp) async throws -> OutboxStats { try await inner.stats(now: now) }
    func usage() async throws -> OutboxUsage { try await inner.usage() }
    func deadLetters() async throws -> [OutboxDeadLetter] { try await inner.deadLetters() }
    func attempts(of id: String) async throws -> [OutboxAttempt] { try await inner.attempts(of: id) }
    func pruneDelivered(finishedBefore time: OutboxTimestamp) async throws -> Int { try await inner.pruneDelivered(finishedBefore: time) }
}
