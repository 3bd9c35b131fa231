import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback HTTP/1.1 server that answers every request with a status head and then trickles its
/// chunked body: one small chunk every `interval`, `chunks` in all, then the end. For testing that a
/// client bounds the time it spends reading a slow body (an error body after a 503, say).
///
/// It stops by itself after the last chunk of each response; ``shutdown()`` stops listening.
public final class TricklingServer: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let channel: any Channel
    private let counter: NIOLockedValueBox<Int>

    private init(channel: any Channel, counter: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.counter = counter
    }

    /// Starts a server answering `status` with `chunks` body chunks, one every `interval`.
    public static func start(status: Int = 503, chunks: Int = 100, interval: TimeAmount = .milliseconds(100)) async throws -> TricklingServer {
        let counter = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        TricklingHandler(status: status, chunks: chunks, interval: interval, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TricklingServer(channel: channel, counter: counter)
    }

    /// `http://127.0.0.1:port/path`.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// How many requests it has answered.
    public var requestCount: Int { counter.withLockedValue { $0 } }

    /// Stops listening.
    public func shutdown() async { try? await channel.close() }
}

/// Answers the first bytes of a connection with the head, then schedules the chunks.
final class TricklingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let status: Int
    private let chunks: Int
    private let interval: TimeAmount
    private let counter: NIOLockedValueBox<Int>
    private var answered = false

    init(status: Int, chunks: Int, interval: TimeAmount, counter: NIOLockedValueBox<Int>) {
        self.status = status
        self.chunks = chunks
        self.interval = interval
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        counter.withLockedValue { $0 += 1 }
        let head = "HTTP/1.1 \(status) \(ReasonPhrase.text(for: status))\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head)), promise: nil)
        send(remaining: chunks, context: context)
    }

    private func send(remaining: Int, context: ChannelHandlerContext) {
        guard remaining > 0 else {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "0\r\n\r\n")), promise: nil)
            context.close(promise: nil)
            return
        }
        context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: interval) {
            guard context.channel.isActive else { return }
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: "1\r\nx\r\n")), promise: nil)
            self.send(remaining: remaining - 1, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
