import Logging
import PostgresNIO
import Triage
import TriageOutbox

/// The outbox store for fleets: one PostgreSQL database shared by any number of delivering processes.
///
/// - Enqueues commit with `synchronous_commit = on` before they return; a batch is one transaction. Each
///   key's sequence numbers come from its counter row in `outbox_keys`, taken in the enqueue's
///   transaction (in key order, so concurrent batches cannot deadlock), never from a serial column.
/// - Claims take only the heads of keys, with `FOR UPDATE SKIP LOCKED` (see
///   ``claim(limit:owner:leaseUntil:now:)``): two processes never hold one key.
/// - Enqueues and releases `NOTIFY triage_outbox`; ``wakeups()`` `LISTEN`s, so a delivering process
///   looks at once instead of at its next poll.
/// - A lost connection (a restart, `pg_terminate_backend`) is retried on a new connection for up to
///   ``reconnectTimeout``; an enqueue whose commit may have happened is checked, not repeated.
/// - A killed process's claims return when their leases end (there is no runner lock across machines).
///
/// The caller runs the `PostgresClient` (``PostgresOutboxService`` does, in a `ServiceGroup`):
///
/// ```swift
/// let client = PostgresClient(configuration: try PostgresOutboxURL(url).clientConfiguration)
/// let store = PostgresOutboxStore(client: client, endpoint: "127.0.0.1:5432", logger: logger)
/// // with client.run() running:
/// try await store.prepare()
/// ```
public final class PostgresOutboxStore: OutboxStore {
    public let client: PostgresClient
    /// `host:port`, named in errors.
    public let endpoint: String
    /// How long an operation keeps retrying while the database cannot be reached. Default 60 s.
    public let reconnectTimeout: Duration
    /// The longest one try of an operation may wait for its answer before its connection is presumed
    /// lost and it is tried again. Default 30 s.
    public let operationTimeout: Duration
    let logger: Logger

    public init(client: PostgresClient, endpoint: String, reconnectTimeout: Duration = .seconds(60),
                operationTimeout: Duration = .seconds(30), logger: Logger) {
        self.client = client
        self.endpoint = endpoint
        self.reconnectTimeout = reconnectTimeout
        self.operationTimeout = operationTimeout
        self.logger = logger
    }

    /// Creates the tables when missing (safe to run from many processes at once) and checks the schema
    /// version, through the client's pool.
    ///
    /// - Parameter timeout: how long to wait for the database. Default 10 s.
    /// - Throws: ``OutboxError`` (`outbox.storeUnavailable`) naming ``endpoint`` when the database cannot
    ///   be reached in time or holds a newer schema.
    public func prepare(timeout: Duration = .seconds(10)) async throws {
        let endpoint = endpoint
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.retrying("set up the outbox tables", for: timeout) {
                    try await self.client.withConnection { try await Self.setUpTables(on: $0, endpoint: endpoint, logger: self.logger) }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw OutboxError(.storeUnavailable, "no connection to PostgreSQL at \(endpoint) within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Connects once to `url` on a connection of its own, creates the tables and checks the schema
    /// version. Unlike the pool, a single connection reports why it failed (refused, no such host, a
    /// refused login), so commands call this first.
    ///
    /// - Parameter timeout: the connect timeout. Default 10 s.
    /// - Throws: ``OutboxError`` (`outbox.storeUnavailable`) naming the server's `host:port`, never the password.
    public static func prepare(url: PostgresOutboxURL, timeout: Duration = .seconds(10), logger: Logger) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(connectTimeout: timeout),
                                                              id: 0, logger: logger)
        } catch {
            throw OutboxError(.storeUnavailable, "cannot connect to PostgreSQL at \(url.endpoint): \(url.scrub(describe(error)))")
        }
        do {
            try await setUpTables(on: connection, endpoint: url.endpoint, logger: logger)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error as? OutboxError
                ?? OutboxError(.storeUnavailable, "cannot set up the outbox tables at \(url.endpoint): \(url.scrub(describe(error)))")
        }
    }

    private static func setUpTables(on connection: PostgresConnection, endpoint: String, logger: Logger) async throws {
        let versions = try await connection.withTransaction(logger: logger) { connection in
            for statement in PostgresOutboxSchema.statements { try await connection.query(statement, logger: logger) }
            var versions: [Int] = []
            for try await version in try await connection.query("SELECT version FROM outbox_schema", logger: logger)
                .decode(Int.self) { versions.append(version) }
            return versions
        }
        if let newest = versions.max(), newest > PostgresOutboxSchema.version {
            throw OutboxError(.storeUnavailable,
                              "the outbox tables at \(endpoint) are at schema version \(newest); this build knows \(PostgresOutboxSchema.version)")
        }
    }

    /// Runs `operation`, again on a new connection while the failure is a lost or refused connection,
    /// for up to `limit` (default ``reconnectTimeout``).
    ///
    /// - Throws: ``OutboxError`` (`outbox.storeUnavailable`) naming ``endpoint``, with the driver's
    ///   description of the last failure (no password: the driver never puts it in one).
    func retrying<T: Sendable>(_ what: String, for limit: Duration? = nil,
                               _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + (limit ?? reconnectTimeout)
        var pause = Duration.milliseconds(50)
        while true {
            do {
                return try await abandoning(after: operationTimeout, operation)
            } catch let error as OutboxError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                guard Self.isConnectionFailure(error), ContinuousClock.now + pause < deadline else {
                    throw OutboxError(.storeUnavailable, "cannot \(what) at \(endpoint): \(Self.describe(error))")
                }
                logger.debug("outbox postgres retrying", metadata: ["triage.error": "\(Self.describe(error))"])
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    /// Whether `error` is the connection's failure rather than the statement's: the server went away,
    /// is starting or shutting down, refused the connection, or the pool has none to lend.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError, is PostgresDecodingError:
            return false
        case is OperationTimedOut:
            return true
        case let error as PostgresTransactionError:
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(isConnectionFailure) ?? false }
        case let error as PSQLError:
            switch error.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
                return true
            case .server:
                // 08: connection exception; 57P: the server shuts down or starts; 53300: too many connections.
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
            default:
                return false
            }
        default:
            // The pool's own errors (no connection could be made, its breaker is open) and NIO's.
            return true
        }
    }

    /// The failure in a line: the server's SQLSTATE and message, or the driver's code and cause.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            if let info = error.serverInfo {
                return "\(info[.sqlState] ?? "?") \(info[.message] ?? "")"
            }
            return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
        case let error as PostgresTransactionError:
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            return cause.map(describe) ?? "transaction failed"
        case let error as OutboxError:
            return error.message
        default:
            return "\(error)"
        }
    }
}
