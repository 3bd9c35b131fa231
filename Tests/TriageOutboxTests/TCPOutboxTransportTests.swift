import Foundation
import NIOCore
import Testing
import Triage
import TriageChaos
import TriageOutbox
import TriageOutboxSQLite

/// The robot's transport: length-prefixed frames with per-message acks over real loopback TCP.
@Suite("TCP outbox transport")
struct TCPOutboxTransportTests {
    final class Log: Sendable {
        let messages = LockedValue<[TCPOutboxReceiver.Message]>([])
        let inbox = OutboxInbox(retention: .seconds(3600))
        let acted = LockedValue<[String]>([])
    }

    static func configuration() -> OutboxConfiguration {
        var configuration = OutboxConfiguration.defaults
        configuration.retry = OutboxRetryRule(backoff: Backoff(.constant, base: .seconds(30), cap: .seconds(30)))
        configuration.pollInterval = .milliseconds(50)
        return configuration
    }

    @Test("frames round-trip, and a frame cut anywhere decodes to nothing rather than to garbage")
    func frames() {
        let frame = OutboxFrame.message(id: "id", idempotencyKey: "idem", key: "robot", seq: 7, payload: [1, 2, 3])
        var buffer = ByteBufferAllocatorShim.buffer()
        frame.write(to: &buffer)
        #expect(buffer.getInteger(at: 0, as: UInt32.self) == UInt32(buffer.readableBytes - 4))
        buffer.moveReaderIndex(forwardBy: 4)
        var body = buffer
        #expect(OutboxFrame.read(body: &body) == frame)
        var ack = ByteBufferAllocatorShim.buffer()
        OutboxFrame.ack(id: "id", accepted: false).write(to: &ack)
        ack.moveReaderIndex(forwardBy: 4)
        #expect(OutboxFrame.read(body: &ack) == .ack(id: "id", accepted: false))
        var cut = buffer.getSlice(at: buffer.readerIndex, length: 6)!
        #expect(OutboxFrame.read(body: &cut) == nil)
    }

    @Test("receiver down, then up: the transport reconnects and every waiting message goes at once, not after its 30 s backoff")
    func reconnectResends() async throws {
        let log = Log()
        let port = try LoopbackSockets.closedPort()
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.configuration(), logger: quietLogger)
        let ids = try await outbox.enqueue((1...6).map { OutboxMessage(key: "robot-\($0 % 2)", destination: "tcp", text: "m\($0)") })
        let started = ContinuousClock.now
        try await TCPOutboxTransport.withTransport(port: port, backoff: Backoff(.constant, base: .milliseconds(50), cap: .milliseconds(50))) { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbox.run(transport: transport, untilEmpty: true) }
                for id in ids.prefix(2) { #expect(await eventually { (try? await store.attempts(of: id).count) ?? 0 >= 1 }) }
                let receiver = try await TCPOutboxReceiver.start(port: port) { message in
                    log.messages.withLock { $0.append(message) }
                    return true
                }
                try await group.waitForAll()
                await receiver.shutdown()
            }
        }
        #expect(ContinuousClock.now - started < .seconds(25), "sent on reconnect, not when the backoff ended")
        let messages = log.messages.withLock { $0 }
        #expect(Set(messages.map(\.id)) == Set(ids))
        for key in ["robot-0", "robot-1"] { #expect(messages.filter { $0.key == key }.map(\.seq) == [1, 2, 3]) }
        #expect(try await store.attempts(of: ids[0]).first?.kind == "connect.refused")
        await store.close()
    }

    @Test("a reset mid-stream fails the unacknowledged message; it is resent on reconnect and the inbox acts on it once")
    func resetResendsUnacknowledged() async throws {
        let log = Log()
        let first = LockedValue(true)
        let holder = LockedValue<TCPOutboxReceiver?>(nil)
        let receiver = try await TCPOutboxReceiver.start { message in
            log.messages.withLock { $0.append(message) }
            if log.inbox.accept(message.idempotencyKey, now: 0) { log.acted.withLock { $0.append(message.idempotencyKey) } }
            if first.withLock({ let was = $0; $0 = false; return was }) {
                await holder.withLock { $0 }?.resetConnections()
                return true
            }
            return true
        }
        holder.withLock { $0 = receiver }
        let store = try await openTemporaryStore()
        let outbox = Outbox(store: store, configuration: Self.configuration(), logger: quietLogger)
        let ids = try await outbox.enqueue((1...3).map { OutboxMessage(key: "robot", destination: "tcp", text: "m\($0)") })
        try await TCPOutboxTransport.withTransport(port: receiver.port) { transport in
            try await outbox.run(transport: transport, untilEmpty: true)
        }
        let messages = log.messages.withLock { $0 }
        #expect(messages.map(\.seq) == [1, 1, 2, 3], "the first message twice: once before the reset, once after")
        #expect(log.acted.withLock { $0 }.count == 3, "the inbox acts on each idempotency key once")
        #expect(try await store.attempts(of: ids[0]).first?.kind == "connection.reset")
        await store.close()
        await receiver.shutdown()
    }

    @Test("the inbox forgets a key after its retention window")
    func inboxRetention() {
        let inbox = OutboxInbox(retention: .seconds(10))
        #expect(inbox.accept("a", now: 0))
        #expect(!inbox.accept("a", now: 9_999))
        #expect(inbox.accept("a", now: 10_001))
    }
}

/// A buffer without an event loop at hand.
enum ByteBufferAllocatorShim {
    static func buffer() -> NIOCore.ByteBuffer { ByteBufferAllocator().buffer(capacity: 64) }
}
