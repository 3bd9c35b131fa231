import NIOCore
import NIOPosix

/// An HTTP/1.1 server on loopback that fails as a ``ChaosScenario`` says: error rates and statuses,
/// Retry-After, latency, a capacity limit, connection faults, Kubernetes and S3 error bodies. It
/// counts what it does (``stats``, `GET /_chaos/stats`) and takes a new scenario at run time
/// (``update(_:)``, `POST /_chaos/scenario`), so one server can play a healthy phase, an outage and
/// throttling in turn.
///
/// ```swift
/// var scenario = ChaosScenario()
/// scenario.errorRate = 0.2
/// let server = try await ChaosServer.start(scenario)
/// // ... requests to server.url("/") ...
/// print(server.stats.requests)
/// await server.shutdown()
/// ```
public final class ChaosServer: Sendable {
    /// The address it listens on (`127.0.0.1` or `::1`).
    public let host: String
    /// The port it listens on (an ephemeral one when started with port 0).
    public let port: Int
    private let channel: any Channel
    private let state: ChaosState
    private let connections: OpenChannels

    private init(channel: any Channel, host: String, state: ChaosState, connections: OpenChannels) {
        self.channel = channel
        self.host = host
        self.port = channel.localAddress?.port ?? 0
        self.state = state
        self.connections = connections
    }

    /// Starts listening on `host:port` (default `127.0.0.1`, port 0 = any free port). A connection
    /// that completes no request head within `idleTimeout` (default 60 s) of opening or of its last
    /// response is closed, however slowly it sends.
    /// - Throws: ``ChaosAddressError`` when `host` is not a loopback address; NIO's error when the
    ///   port cannot be bound; ``ChaosScenarioError`` when the scenario is invalid.
    public static func start(
        _ scenario: ChaosScenario = ChaosScenario(),
        host: String = "127.0.0.1",
        port: Int = 0,
        idleTimeout: Duration = .seconds(60),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ChaosServer {
        try ChaosAddressError.requireLoopback(host, role: "listen address")
        let state = ChaosState(scenario: try scenario.validated())
        let connections = OpenChannels()
        let idle = TimeAmount(idleTimeout)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ChaosHandler(state: state, idleTimeout: idle))
                }
            }
            .bind(host: host, port: port).get()
        return ChaosServer(channel: channel, host: host, state: state, connections: connections)
    }

    /// Runs `body` with a started server and shuts it down afterwards.
    public static func with<T>(_ scenario: ChaosScenario = ChaosScenario(), _ body: (ChaosServer) async throws -> T) async throws -> T {
        let server = try await start(scenario)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// `http://host:port/path` (IPv6 hosts in brackets).
    public func url(_ path: String = "/") -> String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }

    /// The scenario in force.
    public var scenario: ChaosScenario { state.scenario }

    /// The counters since the start or the last ``resetStats()``.
    public var stats: ChaosStats { state.stats }

    /// Replaces the scenario for the requests admitted from now on; restarts the seeded random sequence.
    /// - Throws: ``ChaosScenarioError`` when it is invalid.
    public func update(_ scenario: ChaosScenario) throws(ChaosScenarioError) {
        state.update(try scenario.validated())
    }

    /// Zeroes the counters and restarts the seeded random sequence.
    public func resetStats() { state.reset() }

    /// How many requests wait for a capacity slot.
    var waitingCount: Int { state.waitingCount }

    /// How many client connections are open.
    public var openConnections: Int { connections.count }

    /// Stops listening, fails requests queued for capacity and closes every connection (a stalled
    /// request included); returns when all are closed, so no file descriptor is left.
    public func shutdown() async {
        try? await channel.close()
        state.abandonWaiting()
        await connections.closeAll()
    }
}
