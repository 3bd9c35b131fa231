import Triage
import NIOCore
import NIOPosix

/// The receiving end of ``TCPOutboxTransport``: a loopback TCP server that hands each message frame to
/// your handler and acknowledges it with the handler's verdict (`true` accepted, `false` rejected for good).
///
/// Pair it with an ``OutboxInbox`` to act on each idempotency key once.
public final class TCPOutboxReceiver: Sendable {
    /// One received message.
    public struct Message: Sendable, Hashable {
        public var id: String
        public var idempotencyKey: String
        public var key: String
        public var seq: Int64
        public var payload: [UInt8]
    }

    public typealias Handler = @Sendable (Message) async -> Bool

    private let channel: any Channel
    private let connections: ConnectionList
    /// The port it listens on, on 127.0.0.1.
    public let port: Int

    private init(channel: any Channel, connections: ConnectionList, port: Int) {
        self.channel = channel
        self.connections = connections
        self.port = port
    }

    /// Starts listening on 127.0.0.1 (`port` 0: any free port).
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             handler: @escaping Handler) async throws -> TCPOutboxReceiver {
        let connections = ConnectionList()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(OutboxFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageHandler(handler: handler))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return TCPOutboxReceiver(channel: channel, connections: connections, port: channel.localAddress?.port ?? port)
    }

    /// Resets every open connection (SO_LINGER 0: the sender sees a reset), keeping the listener.
    public func resetConnections() async {
        for channel in connections.takeAll() {
            // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            if let provider = channel as? any SocketOptionProvider {
                try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await channel.close()
        }
    }

    /// Stops listening and closes every connection.
    public func shutdown() async {
        for channel in connections.takeAll() { try? await channel.close() }
        try? await channel.close()
    }
}

/// The open connections, for ``TCPOutboxReceiver/resetConnections()``.
private final class ConnectionList: Sendable {
    private let channels = LockedValue<[any Channel]>([])
    func add(_ channel: any Channel) { channels.withLock { $0.append(channel) } }
    func takeAll() -> [any Channel] {
        channels.withLock { channels in
            defer { channels = [] }
            return channels
        }
    }
}

/// Passes message frames to the handler and writes its acks.
private final class MessageHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = OutboxFrame
    typealias OutboundOut = ByteBuffer
    let handler: TCPOutboxReceiver.Handler

    init(handler: @escaping TCPOutboxReceiver.Handler) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .message(let id, let idempotencyKey, let key, let seq, let payload) = unwrapInboundIn(data) else { return }
        let message = TCPOutboxReceiver.Message(id: id, idempotencyKey: idempotencyKey, key: key, seq: seq, payload: payload)
        let channel = context.channel
        let handler = self.handler
        Task {
            let accepted = await handler(message)
            var buffer = channel.allocator.buffer(capacity: 32)
            OutboxFrame.ack(id: id, accepted: accepted).write(to: &buffer)
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
