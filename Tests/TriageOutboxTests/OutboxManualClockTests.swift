import Foundation
import Testing
import Triage
import TriageChaos
import TriageOutbox
import TriageOutboxSQLite
import TriageTestKit

/// Backoffs, leases and ages under a manual clock: time moves only when the test says.
@Suite("Outbox under a manual clock")
struct OutboxManualClockTests {
    static let origin: OutboxTimestamp = 1_700_000_000_000

    static func configuration(backoff: Backoff) -> OutboxConfiguration {
        var configuration = OutboxConfiguration.defaults
        configuration.retry = OutboxRetryRule(backoff: backoff)
        configuration.pollInterval = .milliseconds(100)
        return configuration
    }

    static func attempts(_ store: SQLiteOutboxStore, _ id: String) async -> Int {
        (try? await store.attempts(of: id).count) ?? 0
    }

    @Test("receiver down then up: once one message gets through, every backed-off message is sent at once")
    func resendAtOnceWhenReachable() async throws {
        let clock = ManualClock()
        let port = try LoopbackSockets.closedPort()
        let url = "http://127.0.0.1:\(port)/in"
        let store = try await openTemporaryStore()
        let backoff = Backoff(.exponential, base: .seconds(1), cap: .seconds(60))
        let outbox = Outbox(store: store, configuration: Self.configuration(backoff: backoff),
                            clock: OutboxClock(clock, origin: Self.origin), logger: quietLogger)
        let early = try await outbox.enqueue((2...5).map { OutboxMessage(key: "k\($0)", destination: url, text: "m") })
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport, untilEmpty: true) }
                for (advance, attempts) in [(Duration.zero, 1), (.seconds(1), 2), (.seconds(2), 3)] {
                    clock.advance(by: advance)
                    for id in early {
                        #expect(await eventually { await Self.attempts(store, id) >= attempts })
                    }
                }
                // The early messages now wait 4 s; a new one waits 1 s after its first failure.
                let late = try await outbox.enqueue(OutboxMessage(key: "k1", destination: url, text: "m"))
                #expect(await eventually { await Self.attempts(store, late) >= 1 })
                let receiver = try await RecordingReceiver.start(port: port)
                clock.advance(by: .seconds(1))
                try await group.waitForAll()
                #expect(Set(receiver.arrivals.map(\.key)) == ["k1", "k2", "k3", "k4", "k5"])
                await receiver.shutdown()
            }
        }
        for id in early {
            let attempts = try await store.attempts(of: id)
            #expect(attempts.prefix(3).map(\.kind) == ["connect.refused", "connect.refused", "connect.refused"])
            #expect(attempts.count == 4)
            #expect(attempts[3].at - Self.origin == 4000, "delivered at t+4 s, not at its backoff's t+7 s")
        }
        await store.close()
    }

    @Test("a claimant that stopped renewing (hung, partitioned) loses the message when its lease ends")
    func leaseExpiryRedelivers() async throws {
        let clock = ManualClock()
        let receiver = try await RecordingReceiver.start()
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.configuration(backoff: .standard),
                            clock: OutboxClock(clock, origin: Self.origin), logger: quietLogger)
        _ = try await store.enqueue([OutboxMessage(destination: receiver.url(), text: "m")], now: Self.origin)
        #expect(try await store.claim(limit: 1, owner: "hung", leaseUntil: Self.origin + 30_000, now: Self.origin).count == 1)
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport, untilEmpty: true) }
                clock.advance(by: .seconds(29))
                await clock.waitForSleepers(2)
                #expect(receiver.arrivals.isEmpty)
                clock.advance(by: .seconds(1))
                try await group.waitForAll()
            }
        }
        #expect(receiver.arrivals.count == 1)
        await store.close()
        await receiver.shutdown()
    }

    @Test("a message past its maximum age is dead-lettered as message.expired and its key goes on")
    func messageExpires() async throws {
        let clock = ManualClock()
        let url = "http://127.0.0.1:\(try LoopbackSockets.closedPort())/in"
        let store = try await openTemporaryStore()
        let backoff = Backoff(.constant, base: .seconds(2), cap: .seconds(2))
        let outbox = Outbox(store: store, configuration: Self.configuration(backoff: backoff),
                            clock: OutboxClock(clock, origin: Self.origin), logger: quietLogger)
        let ids = try await outbox.enqueue([
            OutboxMessage(key: "k", destination: url, payload: Array("old".utf8), maximumAge: .seconds(5)),
            OutboxMessage(key: "k", destination: url, text: "next"),
        ])
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport) }
                for attempts in 1...3 {
                    #expect(await eventually { await Self.attempts(store, ids[0]) >= attempts })
                    clock.advance(by: .seconds(2))
                }
                #expect(await eventually { await Self.attempts(store, ids[1]) >= 1 })
                outbox.stop()
                try await group.waitForAll()
            }
        }
        let dead = try await store.deadLetters()
        #expect(dead.map(\.id) == [ids[0]])
        #expect(dead.first?.kind == "message.expired")
        #expect(dead.first?.attempts == 3)
        await store.close()
    }
}
