import Foundation
import Testing
import Triage
import TriageChaos
import TriageOutbox
import TriageOutboxSQLite
import TriageTestKit

/// The delivery loop against real receivers on loopback, over HTTP, on a real SQLite file.
@Suite("Outbox delivery")
struct OutboxDeliveryTests {
    static func fastConfiguration() -> OutboxConfiguration {
        var configuration = OutboxConfiguration.defaults
        configuration.retry = OutboxRetryRule(backoff: Backoff(.constant, base: .milliseconds(20), cap: .milliseconds(20)))
        configuration.pollInterval = .milliseconds(50)
        return configuration
    }

    @Test("delivers every message once, in order per key, with Idempotency-Key, Triage-Outbox-Key and Triage-Outbox-Seq")
    func deliversInOrderWithHeaders() async throws {
        let receiver = try await RecordingReceiver.start()
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.fastConfiguration(), logger: quietLogger)
        var sent: [OutboxMessage] = []
        for n in 1...30 {
            sent.append(OutboxMessage(key: "k\(n % 3)", destination: receiver.url(), text: "m\(n)", idempotencyKey: "idem-\(n)"))
        }
        try await outbox.enqueue(sent)
        try await HTTPOutboxTransport.withTransport { transport in
            try await outbox.run(transport: transport, untilEmpty: true)
        }
        let arrivals = receiver.arrivals
        #expect(arrivals.count == 30)
        for key in ["k0", "k1", "k2"] {
            #expect(arrivals.filter { $0.key == key }.map(\.seq) == Array(1...10))
        }
        #expect(Set(arrivals.map(\.idempotencyKey)) == Set((1...30).map { "idem-\($0)" }))
        #expect(arrivals.first { $0.idempotencyKey == "idem-4" }?.body == "m4")
        #expect(try await store.stats(now: OutboxClock.system.now()) == OutboxStats(pending: 0, inflight: 0, delivered: 30, dead: 0))
        await store.close()
        await receiver.shutdown()
    }

    @Test("a permanent rejection dead-letters the message with its failure and the key goes on")
    func permanentRejection() async throws {
        let receiver = try await RecordingReceiver.start { arrival, _ in
            arrival.body == "bad" ? OutboxHTTPReceiver.Response(status: 422) : .ok
        }
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.fastConfiguration(), logger: quietLogger)
        let ids = try await outbox.enqueue(["one", "bad", "three"].map { OutboxMessage(key: "k", destination: receiver.url(), text: $0) })
        try await HTTPOutboxTransport.withTransport { try await outbox.run(transport: $0, untilEmpty: true) }
        #expect(receiver.arrivals.map(\.body) == ["one", "bad", "three"])
        let dead = try await store.deadLetters()
        #expect(dead.count == 1)
        #expect(dead.first?.id == ids[1])
        #expect(dead.first?.kind == "http.invalid")
        #expect(dead.first?.status == 422)
        #expect(dead.first?.attempts == 1)
        #expect(try await store.attempts(of: ids[1]).map(\.kind) == ["http.invalid"])
        await store.close()
        await receiver.shutdown()
    }

    @Test("a 503 with Retry-After waits the named time, stored with the attempt, then delivers")
    func retryAfterHonoured() async throws {
        let receiver = try await RecordingReceiver.start { _, number in
            number == 1 ? OutboxHTTPReceiver.Response(status: 503, headers: [("Retry-After", "1")]) : .ok
        }
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.fastConfiguration(), logger: quietLogger)
        let id = try await outbox.enqueue(OutboxMessage(destination: receiver.url(), text: "m"))
        try await HTTPOutboxTransport.withTransport { try await outbox.run(transport: $0, untilEmpty: true) }
        let attempts = try await store.attempts(of: id)
        #expect(attempts.map(\.kind) == ["http.unavailable", nil])
        #expect(attempts.first?.delayMilliseconds == 1000)
        #expect(attempts.first?.status == 503)
        #expect(attempts[1].at - attempts[0].at >= 1000)
        await store.close()
        await receiver.shutdown()
    }

    @Test("a connection reset mid-request is retried and the message delivered (at least once)")
    func resetMidRequest() async throws {
        var scenario = ChaosScenario()
        scenario.faultRate = 1
        scenario.faults = [.reset]
        try await ChaosServer.with(scenario) { chaos in
            let store = try await openTemporaryStore()
            let outbox = Outbox(store: store, configuration: Self.fastConfiguration(), logger: quietLogger)
            let id = try await outbox.enqueue(OutboxMessage(destination: chaos.url("/in"), text: "m"))
            try await HTTPOutboxTransport.withTransport { transport in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await outbox.run(transport: transport, untilEmpty: true) }
                    #expect(await eventually { (try? await store.attempts(of: id).count) ?? 0 >= 2 })
                    var healthy = ChaosScenario()
                    healthy.faultRate = 0
                    try chaos.update(healthy)
                    try await group.waitForAll()
                }
            }
            let attempts = try await store.attempts(of: id)
            #expect(attempts.first?.kind == "connection.reset")
            #expect(attempts.first?.delivery == "maybeProcessed")
            #expect(attempts.last?.kind == nil)
            #expect(try await store.stats(now: OutboxClock.system.now()).delivered == 1)
            await store.close()
        }
    }

    @Test("a black-holed request times out and is sent again; the message is delivered")
    func blackHole() async throws {
        let receiver = try await RecordingReceiver.start { _, number in
            if number == 1 { try? await Task.sleep(for: .seconds(5)) }
            return .ok
        }
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.fastConfiguration(), logger: quietLogger)
        let id = try await outbox.enqueue(OutboxMessage(destination: receiver.url(), text: "m"))
        try await HTTPOutboxTransport.withTransport(attemptTimeout: .milliseconds(300)) {
            try await outbox.run(transport: $0, untilEmpty: true)
        }
        let attempts = try await store.attempts(of: id)
        #expect(attempts.count >= 2)
        #expect(attempts.last?.kind == nil)
        #expect(attempts.first.map { ["attempt.timeout", "response.timeout"].contains($0.kind ?? "") } == true, "\(attempts)")
        #expect(receiver.arrivals.map(\.idempotencyKey).allSatisfy { $0 == receiver.arrivals[0].idempotencyKey })
        await store.close()
        await receiver.shutdown()
    }
}
