import Foundation
import Testing
import Triage
import TriageOutbox
import TriageOutboxPostgres

extension PostgresOutboxTests {
    @Suite("PostgreSQL wake-ups")
    struct Wakeups {
        @Test("a delivery loop polling once a minute delivers at once what another client enqueues (NOTIFY wakes it)")
        func notifyWakesTheDeliveryLoop() async throws {
            let receiver = try await RecordingReceiver.start()
            let url = try await PostgresTestServer.freshDatabase()
            try await PostgresTestServer.withStore(url) { store in
                var configuration = OutboxConfiguration.defaults
                configuration.pollInterval = .seconds(60)
                let outbox = Outbox(store: store, configuration: configuration, logger: quietLogger)
                let delivering = Task { try await HTTPOutboxTransport.withTransport { try await outbox.run(transport: $0) } }
                // Let the loop make its first round and go to sleep for its minute.
                try await Task.sleep(for: .seconds(1))
                let started = ContinuousClock.now
                try await PostgresTestServer.withStore(url) { producer in
                    _ = try await producer.enqueue([OutboxMessage(destination: receiver.url(), text: "woken")], now: OutboxClock.system.now())
                }
                #expect(await eventually(.seconds(30)) { receiver.arrivals.count == 1 })
                #expect(ContinuousClock.now - started < .seconds(30), "delivered on the wake-up, not at the next poll")
                outbox.stop()
                try await delivering.value
            }
            await receiver.shutdown()
        }
    }
}
