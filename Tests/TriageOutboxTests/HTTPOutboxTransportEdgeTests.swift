import Triage
import Foundation
import Testing
import TriageChaos
import TriageOutbox
import TriageOutboxSQLite

/// What counts as a delivery over HTTP: a 2xx, whatever its body; never a followed redirect.
@Suite("HTTP outbox transport edges")
struct HTTPOutboxTransportEdgeTests {
    static var configuration: OutboxConfiguration {
        var configuration = OutboxConfiguration.defaults
        configuration.concurrency = 1
        return configuration
    }

    @Test("a 2xx with a body larger than any error-body limit delivers the message")
    func largeSuccessBodyDelivers() async throws {
        let big = String(repeating: "x", count: 1 << 20)
        try await FaultServer.with(.respond(status: 200, body: big)) { server in
            let store = try await openTemporaryStore()
            let outbox = Outbox(store: store, configuration: Self.configuration, logger: quietLogger)
            _ = try await outbox.enqueue([OutboxMessage(key: "k", destination: server.url("/in"), text: "m")])
            try await HTTPOutboxTransport.withTransport { try await outbox.run(transport: $0, untilEmpty: true) }
            let stats = try await store.stats(now: OutboxClock.system.now())
            #expect(stats.delivered == 1)
            #expect(stats.dead == 0)
            await store.close()
        }
    }

    @Test("a 2xx whose body then stalls delivers the message and frees its sender (the body is read for at most 1 s)")
    func stalledSuccessBodyDelivers() async throws {
        try await FaultServer.with(.chunkedStall) { server in
            let store = try await openTemporaryStore()
            let outbox = Outbox(store: store, configuration: Self.configuration, logger: quietLogger)
            _ = try await outbox.enqueue([OutboxMessage(key: "k", destination: server.url("/in"), text: "m")])
            // Safety net only: before the drain had a limit, the sender waited for the body for ever.
            let finished = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    (try? await HTTPOutboxTransport.withTransport(attemptTimeout: .seconds(60)) {
                        try await outbox.run(transport: $0, untilEmpty: true)
                    }) != nil
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(30))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(finished, "the sender was still reading the stalled body after 30 s")
            let stats = try await store.stats(now: OutboxClock.system.now())
            #expect(stats.delivered == 1)
            await store.close()
        }
    }

    @Test("a redirect is not followed (it would resend the POST as a GET): the message is dead-lettered as the 3xx")
    func redirectIsNotADelivery() async throws {
        let paths = LockedValue<[String]>([])
        let behaviour = FaultBehaviour.route { method, path in
            paths.withLock { $0.append("\(method) \(path)") }
            return path == "/in" ? .respond(status: 302, headers: [("Location", "/elsewhere")]) : .respond(status: 200)
        }
        try await FaultServer.with(behaviour) { server in
            let store = try await openTemporaryStore()
            let outbox = Outbox(store: store, configuration: Self.configuration, logger: quietLogger)
            let ids = try await outbox.enqueue([OutboxMessage(key: "k", destination: server.url("/in"), text: "m")])
            try await HTTPOutboxTransport.withTransport { try await outbox.run(transport: $0, untilEmpty: true) }
            #expect(paths.withLock { $0 } == ["POST /in"])
            let dead = try await store.deadLetters()
            #expect(dead.map(\.id) == ids)
            #expect(dead.first?.status == 302)
            #expect(dead.first?.kind == "redirect.notFollowed", "not http.clientError, which is a 4xx")
            await store.close()
        }
    }

    @Test("a stop asked before run begins (a SIGTERM while the store opened) still stops it")
    func stopBeforeRunHolds() async throws {
        try await FaultServer.with(.respond(status: 200)) { server in
            let store = try await openTemporaryStore()
            let outbox = Outbox(store: store, configuration: Self.configuration, logger: quietLogger)
            outbox.stop()
            let started = ContinuousClock.now
            try await HTTPOutboxTransport.withTransport { try await outbox.run(transport: $0, untilEmpty: false) }
            #expect(ContinuousClock.now - started < .seconds(20), "safety net: run() ignored the stop")
            await store.close()
        }
    }
}
