import Triage
import NIOCore
import NIOPosix

/// A TCP proxy on loopback that relays to a loopback upstream through ``ProxyToxics``: latency, reset,
/// blackhole, slicing, closing after N bytes. It works below HTTP, so any client and protocol meet
/// the same faults a flaky network or middlebox would cause. It does not apply backpressure (a slow
/// reader makes it buffer): it is meant for test-sized traffic.
///
/// ```swift
/// var toxics = ProxyToxics()
/// toxics.reset = true
/// let proxy = try await ChaosProxy.start(upstream: "127.0.0.1:8080", toxics: toxics)
/// // connect to proxy.port ...
/// await proxy.shutdown()
/// ```
public final class ChaosProxy: Sendable {
    /// The address it listens on.
    public let host: String
    /// The port it listens on.
    public let port: Int
    /// Where it relays to (always loopback).
    public let upstream: (host: String, port: Int)
    private let channel: any Channel
    private let shared: ProxyState
    private let openChannels: OpenChannels

    private init(channel: any Channel, host: String, upstream: (host: String, port: Int), shared: ProxyState, openChannels: OpenChannels) {
        self.channel = channel
        self.openChannels = openChannels
        self.host = host
        self.port = channel.localAddress?.port ?? 0
        self.upstream = upstream
        self.shared = shared
    }

    /// Starts relaying `listen` (default `127.0.0.1:0`, any free port) to `upstream` (`HOST:PORT`).
    /// - Throws: ``ChaosAddressError`` for an address that is not `HOST:PORT` on loopback;
    ///   ``ChaosScenarioError`` for invalid toxics; NIO's error when the port cannot be bound.
    public static func start(
        upstream: String,
        toxics: ProxyToxics = ProxyToxics(),
        listen: String = "127.0.0.1:0",
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ChaosProxy {
        let target = try ChaosAddressError.parse(upstream, role: "upstream")
        let local = try ChaosAddressError.parse(listen, role: "listen address", allowAnyPort: true)
        let toxics = try toxics.validated()
        let shared = ProxyState(toxics: toxics)
        let openChannels = OpenChannels()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { client in
                openChannels.track(client)
                let applied = shared.nextConnection()
                return ClientBootstrap(group: client.eventLoop)
                    .connectTimeout(.seconds(5))
                    .channelInitializer { upstreamChannel in
                        openChannels.track(upstreamChannel)
                        return upstreamChannel.eventLoop.makeCompletedFuture {
                            try upstreamChannel.pipeline.syncOperations.addHandler(
                                ProxyRelay(partner: client, direction: .toClient, toxics: applied))
                        }
                    }
                    .connect(host: target.host, port: target.port)
                    .flatMap { upstreamChannel in
                        // The client channel is registered (and starts reading) only once this completes.
                        client.eventLoop.makeCompletedFuture {
                            try client.pipeline.syncOperations.addHandler(
                                ProxyRelay(partner: upstreamChannel, direction: .toUpstream, toxics: applied))
                        }
                    }
            }
            .bind(host: local.host, port: local.port).get()
        return ChaosProxy(channel: channel, host: local.host, upstream: target, shared: shared, openChannels: openChannels)
    }

    /// The toxics in force for new connections.
    public var toxics: ProxyToxics { shared.state.withLock { $0.toxics } }

    /// Replaces the toxics for connections accepted from now on.
    /// - Throws: ``ChaosScenarioError`` when they are invalid.
    public func update(_ toxics: ProxyToxics) throws(ChaosScenarioError) {
        let valid = try toxics.validated()
        shared.state.withLock {
            $0.toxics = valid
            $0.random = SplitMix64(seed: valid.seed ?? .random(in: .min ... .max))
        }
    }

    /// Connections accepted, and how many of them the toxics applied to.
    public var connections: (accepted: Int, affected: Int) { shared.state.withLock { ($0.connections, $0.affected) } }

    /// Stops accepting and closes every relayed connection, both sides; returns when all are closed,
    /// so no file descriptor is left.
    public func shutdown() async {
        try? await channel.close()
        await openChannels.closeAll()
    }
}

/// The proxy's toxics and counters, shared by its connections.
final class ProxyState: Sendable {
    struct Shared {
        var toxics: ProxyToxics
        var random: SplitMix64
        var connections = 0
        var affected = 0
    }

    let state: LockedValue<Shared>

    init(toxics: ProxyToxics) {
        state = LockedValue(Shared(toxics: toxics, random: SplitMix64(seed: toxics.seed ?? .random(in: .min ... .max))))
    }

    /// Counts a new connection; returns the toxics for it, or `nil` when the rate spares it.
    func nextConnection() -> ProxyToxics? {
        state.withLock { state in
            state.connections += 1
            guard state.random.fraction() < state.toxics.rate else { return nil }
            state.affected += 1
            return state.toxics
        }
    }
}
