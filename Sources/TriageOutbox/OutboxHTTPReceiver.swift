import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on loopback that receives what ``HTTPOutboxTransport`` sends and hands each
/// request to your handler: the receiving end for tests, demos and benchmarks.
///
/// Pair it with an ``OutboxInbox`` to deduplicate on the idempotency key.
public final class OutboxHTTPReceiver: Sendable {
    /// One received message.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// `Idempotency-Key`, `Triage-Outbox-Key` and `Triage-Outbox-Seq` (`nil` when absent or malformed).
        public var idempotencyKey: String?
        public var key: String?
        public var seq: Int64?
        public var headers: [(String, String)]
        public var body: [UInt8]
    }

    /// The answer: a status and headers (`Retry-After`, ...); the body is empty.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public init(status: Int, headers: [(String, String)] = []) {
            self.status = status
            self.headers = headers
        }
        public static let ok = Response(status: 200)
    }

    public typealias Handler = @Sendable (Request) async -> Response

    private let channel: any Channel
    /// The port it listens on, on 127.0.0.1.
    public let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// The URL of `path` on this receiver.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Starts listening on 127.0.0.1 (`port` 0: any free port).
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             handler: @escaping Handler) async throws -> OutboxHTTPReceiver {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandlers(NIOHTTPServerRequestAggregator(maxContentLength: ReceiverHandler.maximumBody),
                                                 ReceiverHandler(handler: handler))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return OutboxHTTPReceiver(channel: channel, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening; connections already open end when their peers close them.
    public func shutdown() async {
        try? await channel.close()
    }
}

/// Hands each whole request (from NIO's `NIOHTTPServerRequestAggregator`) to the handler and writes
/// its answer.
private final class ReceiverHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    /// The largest request body read (16 MiB); a larger one is answered 413 by the aggregator.
    static let maximumBody = 16 << 20

    let handler: OutboxHTTPReceiver.Handler

    init(handler: @escaping OutboxHTTPReceiver.Handler) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let whole = unwrapInboundIn(data)
        let head = whole.head
        let body = whole.body.map { Array($0.readableBytesView) } ?? []
        let request = OutboxHTTPReceiver.Request(
            method: head.method.rawValue, path: head.uri,
            idempotencyKey: head.headers.first(name: "Idempotency-Key"),
            key: head.headers.first(name: "Triage-Outbox-Key"),
            seq: head.headers.first(name: "Triage-Outbox-Seq").flatMap { Int64($0) },
            headers: head.headers.map { ($0.name, $0.value) }, body: body)
        let keepAlive = head.isKeepAlive
        let handler = self.handler
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        Task {
            let response = await handler(request)
            loop.execute {
                let (this, context) = bound.value
                this.write(response, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func write(_ response: OutboxHTTPReceiver.Response, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: "0")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
