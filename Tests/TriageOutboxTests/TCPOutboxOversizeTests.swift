import Foundation
import NIOCore
import Testing
import TriageOutbox
import TriageOutboxSQLite

/// A message too large for one frame is dead-lettered at once; the messages beside it are delivered.
@Suite("TCP outbox oversized messages")
struct TCPOutboxOversizeTests {
    @Test("the frame length is what write(to:) writes")
    func bodyLengthMatches() {
        let frame = OutboxFrame.message(id: "id", idempotencyKey: "idem", key: "robot", seq: 7, payload: Array(repeating: 1, count: 300))
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        frame.write(to: &buffer)
        #expect(buffer.readableBytes == 4 + frame.bodyLength)
    }

    @Test("over 16 MiB: dead-lettered as request.invalid without a send; the next message of the key goes")
    func oversizedIsDeadLettered() async throws {
        let receiver = try await TCPOutboxReceiver.start { _ in true }
        let store = try await openTemporaryStore()
        var configuration = OutboxConfiguration.defaults
        configuration.maximumPendingBytes = 64 << 20
        let outbox = Outbox(store: store, configuration: configuration, logger: quietLogger)
        let big = OutboxMessage(key: "robot", destination: "tcp", payload: Array(repeating: 7, count: OutboxFrame.maximumLength + 1))
        let ids = try await outbox.enqueue([big, OutboxMessage(key: "robot", destination: "tcp", text: "small")])
        try await TCPOutboxTransport.withTransport(port: receiver.port) { transport in
            try await outbox.run(transport: transport, untilEmpty: true)
        }
        let dead = try await store.deadLetters()
        #expect(dead.map(\.id) == [ids[0]])
        #expect(dead.first?.kind == "request.invalid")
        #expect(try await store.stats(now: OutboxClock.system.now()).delivered == 1)
        await store.close()
        await receiver.shutdown()
    }
}
