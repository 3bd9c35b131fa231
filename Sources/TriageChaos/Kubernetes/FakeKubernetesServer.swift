import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A fake Kubernetes API server on loopback, for tests, the demo and benchmarks.
///
/// It serves HTTPS with a certificate from a CA made when it starts (``certificates``), takes bearer
/// tokens (``tokens``), keeps objects in memory with one resourceVersion counter, lists with
/// `limit`/`continue` over consistent snapshots, streams chunked NDJSON watches that honour
/// `timeoutSeconds`, sends bookmarks (every ``bookmarkInterval`` when the watch asks for them), expires
/// compacted resume points as the real API server does (a 200, then one ERROR 410 `Expired` event),
/// and acts out faults (``FakeKubernetesFault``) on the next watch or list requests.
/// ``writeKubeconfig(to:token:tokenFile:)`` writes a kubeconfig that reaches it.
///
/// ```swift
/// let server = try await FakeKubernetesServer.start()
/// server.create(in: "/api/v1/namespaces/default/configmaps", name: "a", data: ["k": "v"])
/// try server.writeKubeconfig(to: "/tmp/kubeconfig")
/// await server.shutdown()
/// ```
public final class FakeKubernetesServer: Sendable {
    public let port: Int
    /// The CA that signed the server's certificate (``TestCertificates/ca``).
    public let certificates: TestCertificates
    let store = FakeKubernetesStore()
    private let channel: any Channel
    let settings: NIOLockedValueBox<Settings>

    struct Settings {
        var tokens: Set<String>
        var bookmarkInterval: TimeAmount?
        /// Watch faults in order, each for any collection (`nil`) or one.
        var watchFaults: [(fault: FakeKubernetesFault, collection: String?)] = []
        var listFaults: [FakeKubernetesFault] = []
        var writeFaults: [FakeWriteFault] = []
        var requests: [String] = []
    }

    private init(channel: any Channel, certificates: TestCertificates, settings: NIOLockedValueBox<Settings>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.certificates = certificates
        self.settings = settings
    }

    /// Starts a server on `127.0.0.1` and an ephemeral port.
    ///
    /// - Parameters:
    ///   - tokens: the bearer tokens it accepts (default `["triage-test-token"]`); empty: no authentication.
    ///   - bookmarkInterval: how often a watch that asks for bookmarks gets one (default 1 s; `nil`: never).
    ///   - port: the port to listen on (default 0: a free one).
    ///   - certifiedNames: the DNS names and IP literals its certificate is for (default `localhost` and
    ///     `127.0.0.1`).
    public static func start(tokens: Set<String> = ["triage-test-token"], bookmarkInterval: Duration? = .seconds(1), port: Int = 0,
                             certifiedNames: [String] = ["localhost", "127.0.0.1"],
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> FakeKubernetesServer {
        let certificates = try TestCertificates()
        let tls = try TestCertificates.serverConfiguration(for: certificates.leaf(for: certifiedNames))
        let context = try NIOSSLContext(configuration: tls)
        let settings = NIOLockedValueBox(Settings(tokens: tokens, bookmarkInterval: bookmarkInterval.map(Self.timeAmount)))
        let box = NIOLockedValueBox<FakeKubernetesServer?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.withLockedValue({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    // No pipelining assistance: it stops reading while a response (a watch) is open, so a client's
                    // TLS close_notify would wait unread until the client's shutdown timeout.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: FakeKubernetesHandler.maximumBody))
                    try channel.pipeline.syncOperations.addHandler(FakeKubernetesHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let server = FakeKubernetesServer(channel: channel, certificates: certificates, settings: settings)
        box.withLockedValue { $0 = server }
        return server
    }

    /// `https://127.0.0.1:PORT`.
    public var url: String { "https://127.0.0.1:\(port)" }

    /// Stops listening; open connections end with their streams.
    public func shutdown() async {
        try? await channel.close()
    }

    /// The bearer tokens accepted now (replace them to rotate a token).
    public var tokens: Set<String> {
        get { settings.withLockedValue { $0.tokens } }
        set { settings.withLockedValue { $0.tokens = newValue } }
    }

    var bookmarkInterval: TimeAmount? { settings.withLockedValue { $0.bookmarkInterval } }

    /// Makes the next watch requests act out `faults`, one each, in order: of any collection, or only
    /// of `collection` (its path, e.g. `/api/v1/namespaces/default/configmaps`), so that a stray watch
    /// of another one (a cancelled client's request still on its way) cannot take them.
    public func injectWatchFaults(_ faults: [FakeKubernetesFault], in collection: String? = nil) {
        settings.withLockedValue { $0.watchFaults += faults.map { ($0, collection) } }
    }

    /// Makes the next list requests act out `faults` (throttle, unauthorized, forbidden, expiredContinue,
    /// loopingContinue), one each.
    public func injectListFaults(_ faults: [FakeKubernetesFault]) {
        settings.withLockedValue { $0.listFaults += faults }
    }

    /// The first watch fault meant for `collection` (or for any).
    func takeFault(collection: String) -> FakeKubernetesFault? {
        settings.withLockedValue { settings in
            guard let index = settings.watchFaults.firstIndex(where: { $0.collection == nil || $0.collection == collection }) else { return nil }
            return settings.watchFaults.remove(at: index).fault
        }
    }

    /// The next list fault; `.expiredContinue` waits for a request that carries a continue token.
    func takeListFault(continuing: Bool) -> FakeKubernetesFault? {
        settings.withLockedValue { settings in
            guard let next = settings.listFaults.first else { return nil }
            if (next == .expiredContinue || next == .loopingContinue) && !continuing { return nil }
            return settings.listFaults.removeFirst()
        }
    }

    func accepts(authorization: String?) -> Bool {
        let tokens = self.tokens
        if tokens.isEmpty { return true }
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        return tokens.contains(String(authorization.dropFirst(7)))
    }

    func countRequest(_ uri: String) {
        settings.withLockedValue { $0.requests.append(uri) }
    }

    /// Every request URI received, in order (query included; tokens travel in headers, not here).
    public var requests: [String] { settings.withLockedValue { $0.requests } }

    /// The resourceVersion counter (etcd's revision).
    public var resourceVersion: Int { store.revision }

    /// Creates or replaces a ConfigMap-like object `name` in `collection` (e.g.
    /// `/api/v1/namespaces/default/configmaps`); returns its resourceVersion.
    @discardableResult
    public func create(in collection: String, name: String, data: [String: String] = [:]) -> Int {
        let route = FakeKubernetesRoute(path: collection + "/" + name)
        let existed = store.object(name, in: collection) != nil
        let object: [String: any Sendable] = ["kind": "ConfigMap", "apiVersion": "v1", "metadata": ["name": name] as [String: any Sendable], "data": data]
        return store.put(object, in: collection, namespace: route?.namespace, type: existed ? "MODIFIED" : "ADDED").resourceVersion
    }

    /// Deletes `name` from `collection`; `false` when it was not there.
    @discardableResult
    public func delete(in collection: String, name: String) -> Bool {
        store.remove(name, from: collection) != nil
    }

    /// The objects of `collection` as (namespace, name, resourceVersion), sorted by name.
    public func objects(in collection: String) -> [(namespace: String, name: String, resourceVersion: String)] {
        store.snapshot(of: collection).objects.map { object in
            let metadata = object.json["metadata"] as? [String: any Sendable] ?? [:]
            return (metadata["namespace"] as? String ?? "", metadata["name"] as? String ?? "", String(object.resourceVersion))
        }
    }

    /// Compacts as etcd does: open watches end with an ERROR 410 Expired event, `changes` are made
    /// while no watch is open to see them, and every resourceVersion and continue token from before
    /// is then too old.
    public func compact(changes: () -> Void = {}) {
        store.compact(changes: changes)
    }

    /// Ends every open watch cleanly, as if their `timeoutSeconds` had passed.
    public func endWatches() {
        store.endWatches()
    }

    /// How many watch streams are open now.
    public var openWatches: Int { store.openWatches }

    /// Writes a kubeconfig for this server (its CA inline, one context `fake` as current-context) and
    /// returns its path. `tokenFile` puts the token in that file and names the file instead;
    /// `tlsServerName` sets the cluster's `tls-server-name`.
    @discardableResult
    public func writeKubeconfig(to path: String, token: String? = "triage-test-token", tokenFile: String? = nil,
                                tlsServerName: String? = nil) throws -> String {
        let ca = Data(certificates.ca.certificatePEM.utf8).base64EncodedString()
        var user = ""
        if let tokenFile {
            try (token ?? "").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            user = "    tokenFile: \(tokenFile)\n"
        } else if let token {
            user = "    token: \(token)\n"
        }
        let text = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: \(url)
            certificate-authority-data: \(ca)
        \(tlsServerName.map { "    tls-server-name: \($0)\n" } ?? "")users:
        - name: fake-user
          user:
        \(user.isEmpty ? "    {}\n" : user)contexts:
        - name: fake
          context:
            cluster: fake
            user: fake-user
            namespace: default
        current-context: fake

        """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount { TimeAmount(duration) }
}
