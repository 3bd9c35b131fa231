import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals
import TriageOutbox

/// An outbox's delivery loop as a swift-service-lifecycle `Service`, to run in one `ServiceGroup` with
/// the `PostgresClient` its store uses (``serviceGroup(client:logger:gracefulShutdownSignals:)``).
///
/// `run()` prepares the tables, then delivers until graceful shutdown (which calls ``Outbox/stop()``:
/// claim nothing more, finish or release what is in flight) or, with `untilEmpty`, until nothing is
/// pending or in flight; the group then shuts down gracefully, the client last.
///
/// ```swift
/// let client = PostgresClient(configuration: url.clientConfiguration)
/// let store = PostgresOutboxStore(client: client, endpoint: url.endpoint, logger: logger)
/// try await HTTPOutboxTransport.withTransport(logger: logger) { transport in
///     let service = PostgresOutboxService(store: store, outbox: Outbox(store: store, logger: logger), transport: transport)
///     try await service.serviceGroup(client: client, logger: logger).run()
/// }
/// ```
public struct PostgresOutboxService<Transport: OutboxTransport>: Service, CustomStringConvertible {
    public let store: PostgresOutboxStore
    public let outbox: Outbox
    public let transport: Transport
    /// Return once nothing is pending or in flight. Default `false`: deliver until shut down.
    public let untilEmpty: Bool

    public init(store: PostgresOutboxStore, outbox: Outbox, transport: Transport, untilEmpty: Bool = false) {
        self.store = store
        self.outbox = outbox
        self.transport = transport
        self.untilEmpty = untilEmpty
    }

    /// What the service group's logs name it by.
    public var description: String { "PostgresOutboxService(\(store.endpoint))" }

    public func run() async throws {
        try await store.prepare()
        try await withGracefulShutdownHandler {
            try await outbox.run(transport: transport, untilEmpty: untilEmpty)
        } onGracefulShutdown: {
            outbox.stop()
        }
    }

    /// `client` and this service in one group: this service is shut down first, then the client; when
    /// this service returns (untilEmpty) or throws, the group shuts down gracefully too.
    ///
    /// - Parameter gracefulShutdownSignals: default SIGTERM and SIGINT.
    public func serviceGroup(client: PostgresClient, logger: Logger,
                             gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: client),
                .init(service: self, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
    }
}

extension PostgresOutboxStore {
    /// Runs `body` with a store on `url` and its client running, the tables prepared first on a connection
    /// of its own (``prepare(url:timeout:logger:)``, which reports why a connection fails); the client is
    /// shut down when `body` returns. For short commands (enqueue, stats); delivering processes use
    /// ``PostgresOutboxService``.
    ///
    /// - Throws: ``OutboxError`` (`outbox.storeUnavailable`) naming the server's `host:port` when it
    ///   cannot be reached; `body`'s error.
    public static func withStore<Result: Sendable>(url: PostgresOutboxURL, logger: Logger,
                                                  _ body: (PostgresOutboxStore) async throws -> Result) async throws -> Result {
        try await PostgresOutboxStore.prepare(url: url, logger: logger)
        // The pool's own warnings (a lease asked for a moment before `run()` began) would only be noise here.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: background)
        let store = PostgresOutboxStore(client: client, endpoint: url.endpoint, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }
}
