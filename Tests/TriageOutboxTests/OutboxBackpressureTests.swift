import Testing
import Triage
import TriageOutbox
import TriageOutboxSQLite

@Suite("Outbox backpressure")
struct OutboxBackpressureTests {
    @Test("enqueue fails with outbox.full when the store stays over its bound past the timeout; nothing is stored")
    func fullAfterTimeout() async throws {
        let store = try await openTemporaryStore()
        var configuration = OutboxConfiguration.defaults
        configuration.maximumPendingMessages = 3
        configuration.enqueueTimeout = .milliseconds(200)
        let outbox = Outbox(store: store, configuration: configuration, logger: quietLogger)
        for n in 1...3 { try await outbox.enqueue(OutboxMessage(destination: "http://127.0.0.1:1/", text: "\(n)")) }
        let error = await #expect(throws: Failure.self) {
            try await outbox.enqueue(OutboxMessage(destination: "http://127.0.0.1:1/", text: "4"))
        }
        #expect(error?.kind == .outboxFull)
        #expect(error?.decision == .stop)
        #expect(error?.delivery == .notSent)
        #expect(try await store.usage().messages == 3)
        await store.close()
    }

    @Test("with a slow receiver, enqueue waits for room and the store never holds more than the bound")
    func slowReceiverHoldsProducersBack() async throws {
        let receiver = try await RecordingReceiver.start { _, _ in
            try? await Task.sleep(for: .milliseconds(30))
            return .ok
        }
        let store = try await openTemporaryStore()
        var configuration = OutboxConfiguration.defaults
        configuration.maximumPendingMessages = 3
        configuration.enqueueTimeout = .seconds(20)
        configuration.pollInterval = .milliseconds(20)
        let outbox = Outbox(store: store, configuration: configuration, logger: quietLogger)
        try await HTTPOutboxTransport.withTransport { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport) }
                var highest = 0
                for n in 1...12 {
                    try await outbox.enqueue(OutboxMessage(key: "k", destination: receiver.url(), text: "\(n)"))
                    highest = max(highest, try await store.usage().messages)
                }
                #expect(highest <= 3)
                #expect(await eventually { receiver.arrivals.count == 12 })
                outbox.stop()
                try await group.waitForAll()
            }
        }
        #expect(receiver.arrivals.map(\.body) == (1...12).map(String.init))
        await store.close()
        await receiver.shutdown()
    }
}
