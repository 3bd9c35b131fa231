import Foundation
import Testing
import TriageOutbox
import TriageOutboxSQLite

/// Graceful shutdown: stop claiming, let what is in flight finish, release what does not.
@Suite("Outbox shutdown")
struct OutboxShutdownTests {
    @Test("stop() lets messages in flight finish within the grace and claims nothing more")
    func finishesInflight() async throws {
        let receiver = try await RecordingReceiver.start { _, _ in
            try? await Task.sleep(for: .milliseconds(200))
            return .ok
        }
        let store = try await openTemporaryStore()
        var configuration = OutboxConfiguration.defaults
        configuration.concurrency = 2
        configuration.shutdownGrace = .seconds(20)
        let outbox = Outbox(store: store, configuration: configuration, logger: quietLogger)
        try await outbox.enqueue((1...6).map { OutboxMessage(key: "k\($0)", destination: receiver.url(), text: "\($0)") })
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport) }
                #expect(await eventually { receiver.arrivals.count >= 1 })
                outbox.stop()
                try await group.waitForAll()
            }
        }
        let stats = try await store.stats(now: OutboxClock.system.now())
        #expect(stats.inflight == 0)
        #expect(stats.delivered == receiver.arrivals.count, "everything sent was finished and recorded")
        #expect(stats.delivered + stats.pending == 6)
        #expect(stats.pending >= 2, "claimed nothing after stop()")
        await store.close()
        await receiver.shutdown()
    }

    @Test("what does not finish within the grace is released: pending again at once, no attempt counted")
    func releasesAfterGrace() async throws {
        let receiver = try await RecordingReceiver.start { _, _ in
            try? await Task.sleep(for: .seconds(20))
            return .ok
        }
        let store = try await openTemporaryStore()
        var configuration = OutboxConfiguration.defaults
        configuration.shutdownGrace = .milliseconds(100)
        let outbox = Outbox(store: store, configuration: configuration, logger: quietLogger)
        let id = try await outbox.enqueue(OutboxMessage(destination: receiver.url(), text: "slow"))
        try await HTTPOutboxTransport.withTransport(attemptTimeout: .seconds(60)) { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport) }
                #expect(await eventually { receiver.arrivals.count == 1 })
                outbox.stop()
                try await group.waitForAll()
            }
        }
        #expect(try await store.stats(now: OutboxClock.system.now()) == OutboxStats(pending: 1, inflight: 0, delivered: 0, dead: 0))
        #expect(try await store.attempts(of: id).isEmpty)
        await store.close()
        await receiver.shutdown()
    }
}
