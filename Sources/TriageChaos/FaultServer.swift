import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// An HTTP/1.1 server on loopback that misbehaves on purpose, for tests, the demo and benchmarks.
///
/// It listens on an ephemeral port of `127.0.0.1` (or the host given), optionally behind TLS, and
/// answers each request as its ``FaultBehaviour`` says. Requests are counted (``requestCount``).
///
/// ```swift
/// let server = try await FaultServer.start(.resetAfterRequest)
/// defer { Task { await server.shutdown() } }
/// // request server.url("/") ...
/// ```
public final class FaultServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The host it listens on.
    public let host: String
    /// `true` when it speaks TLS.
    public let usesTLS: Bool
    private let channel: any Channel
    private let counter: NIOLockedValueBox<Int>
    private let connections: OpenChannels

    private init(channel: any Channel, host: String, usesTLS: Bool, counter: NIOLockedValueBox<Int>, connections: OpenChannels) {
        self.channel = channel
        self.connections = connections
        self.host = host
        self.port = channel.localAddress?.port ?? 0
        self.usesTLS = usesTLS
        self.counter = counter
    }

    /// Starts a server; `tls` makes it a TLS listener with that configuration. A connection that
    /// completes no request head within `idleTimeout` (default 60 s) of opening or of its last
    /// request is closed, however slowly it sends.
    public static func start(
        _ behaviour: FaultBehaviour,
        host: String = "127.0.0.1",
        tls: TLSConfiguration? = nil,
        idleTimeout: Duration = .seconds(60),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> FaultServer {
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let counter = NIOLockedValueBox(0)
        let connections = OpenChannels()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.addHandler(FaultHandler(behaviour: behaviour, counter: counter, idleTimeout: TimeAmount(idleTimeout)))
                }
            }
            .bind(host: host, port: 0).get()
        return FaultServer(channel: channel, host: host, usesTLS: tls != nil, counter: counter, connections: connections)
    }

    /// Runs `body` with a started server and shuts it down afterwards.
    public static func with<T>(
        _ behaviour: FaultBehaviour,
        tls: TLSConfiguration? = nil,
        _ body: (FaultServer) async throws -> T
    ) async throws -> T {
        let server = try await start(behaviour, tls: tls)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// `http://host:port/path` (or `https://`).
    public func url(_ path: String = "/") -> String {
        "\(usesTLS ? "https" : "http")://\(host):\(port)\(path)"
    }

    /// How many requests (complete heads) it has read.
    public var requestCount: Int { counter.withLockedValue { $0 } }

    /// How many client connections are open.
    public var openConnections: Int { connections.count }

    /// Stops listening and closes every connection (a stalled one included); returns when all are
    /// closed, so no file descriptor is left.
    public func shutdown() async {
        try? await channel.close()
        await connections.closeAll()
    }
}
