import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Triage

/// A bare SwiftNIO HTTP/1.1 client as people write one: ClientBootstrap, NIOHTTP1, NIOSSL, and the
/// read timeout and cancellation NIO does not provide on its own (an IdleStateHandler and a
/// cancellation handler that closes the channel).
enum RawNIOClient {
    /// NIO only signals an idle read; the lab turns that into an error that classifies itself.
    struct ReadIdle: ClassifiableError {
        var failureKind: FailureKind { .responseTimeout }
    }

    /// GETs `path`; returns the error, or `nil` when a complete response arrived.
    static func get(host: String, port: Int, path: String = "/", tls: TLSConfiguration? = nil, serverName: String? = nil,
                    connectTimeout: TimeAmount = .seconds(1), readTimeout: TimeAmount = .seconds(2)) async -> (any Error)? {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let done = eventLoop.makePromise(of: Void.self)
        do {
            let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
            let channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(connectTimeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let sslContext {
                            try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                        }
                        try sync.addHTTPClientHandlers()
                        try sync.addHandler(IdleStateHandler(readTimeout: readTimeout))
                        try sync.addHandler(ResponseCollector(done: done))
                    }
                }
                .connect(host: host, port: port).get()
            return await withTaskCancellationHandler {
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
                head.headers.add(name: "Host", value: host)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                do {
                    try await done.futureResult.get()
                    try? await channel.close()
                    return nil
                } catch {
                    channel.close(promise: nil)
                    return error
                }
            } onCancel: {
                done.fail(CancellationError())
                channel.close(promise: nil)
            }
        } catch {
            done.fail(error)  // no channel came up; settle the promise NIO would otherwise report leaked
            return error
        }
    }

    private final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let done: EventLoopPromise<Void>
        init(done: EventLoopPromise<Void>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .end = unwrapInboundIn(data) { done.succeed(()) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case IdleStateHandler.IdleStateEvent.read = event {
                done.fail(ReadIdle())
                context.close(promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            // The peer closed before a complete response: what NIO shows as EOF.
            done.fail(ChannelError.eof)
        }
    }
}
