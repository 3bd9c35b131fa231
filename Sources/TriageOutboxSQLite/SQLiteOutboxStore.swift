import Triage
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import TriageOutbox

/// The embedded outbox store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk
/// when it returns, shared by any number of processes (the busy timeout waits out another's write), and
/// `temp_store=MEMORY`, so statement journals are not written to a temporary file.
///
/// Writes are group-committed: every write (enqueues, claims, acknowledgements) waiting while one
/// transaction commits goes into the next transaction together, so one fsync serves them all, and the
/// transaction's enqueues and delivered marks are each done in a few multi-row statements; when one
/// write fails, the others are committed again one by one and only the failing one fails. A call
/// returns after its commit.
///
/// A transaction of claims and delivered marks alone commits with `synchronous=NORMAL`, without an
/// fsync (the connection is set back to `FULL` after it). A process kill loses nothing either way; a
/// power cut may lose the last such commits, and their messages, already sent, are sent again: at least
/// once, under their idempotency keys, in order (the WAL is replayed up to its first missing frame, so
/// each key keeps a prefix of its delivered marks). Enqueues, renewals, reschedules and dead letters
/// always wait for the disk.
///
/// ```swift
/// let store = try await SQLiteOutboxStore.open(path: "outbox.sqlite", logger: logger)
/// _ = try await store.reclaimClaimsOfDeadRunners()   // before delivering
/// ```
public final class SQLiteOutboxStore: OutboxStore {
    /// The database file.
    public let path: String
    let connection: SQLiteConnection
    let lock = AsyncSerialLock()
    let writes = LockedValue(WriteQueue())
    let runnerLock = LockedValue<RunnerLock?>(nil)
    let logger: Logger

    private init(path: String, connection: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating when missing) the store at `path`.
    ///
    /// - Parameter busyTimeout: how long a statement waits for another process's write lock. Default 5 s.
    /// - Throws: ``OutboxError`` (`outbox.storeUnavailable`) when the file cannot be opened or set up.
    public static func open(path: String, busyTimeout: Duration = .seconds(5), logger: Logger) async throws -> SQLiteOutboxStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: .singleton, logger: logger,
                                                         on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw OutboxError(.storeUnavailable, "cannot open \(path): \(error)")
        }
        do {
            _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeout.outboxMilliseconds)")
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA synchronous = FULL")
            // Statement journals (the undo of one statement inside a transaction: every multi-row UPDATE
            // and INSERT keeps one) spilled past 64 KiB into a temporary file, a pwrite per page: about a
            // fifth of SQLite's CPU in `triage bench outbox`. They are never read after a crash (the WAL
            // is), so memory loses nothing.
            _ = try await connection.query("PRAGMA temp_store = MEMORY")
            for statement in SQLiteOutboxSchema.statements { _ = try await connection.query(statement) }
        } catch {
            try? await connection.close()
            throw OutboxError(.storeUnavailable, "cannot set up \(path): \(error)")
        }
        return SQLiteOutboxStore(path: path, connection: connection, logger: logger)
    }

    /// Closes the connection; the store cannot be used afterwards.
    public func close() async {
        try? await connection.close()
        runnerLock.withLock { $0?.release(); $0 = nil }
    }

    /// What SQLite reports it runs with, read back from the connection.
    public struct Settings: Sendable, Hashable {
        /// `"wal"`.
        public var journalMode: String
        /// 2 is `FULL`.
        public var synchronous: Int
        public var busyTimeoutMilliseconds: Int
        /// 2 is `MEMORY`: statement journals and temporary tables stay in memory.
        public var tempStore: Int
    }

    public func settings() async throws -> Settings {
        try await lock.withLock {
            let mode = try await connection.query("PRAGMA journal_mode").first?.columns.first?.data.string ?? ""
            let synchronous = try await connection.query("PRAGMA synchronous").first?.columns.first?.data.integer ?? -1
            let busy = try await connection.query("PRAGMA busy_timeout").first?.columns.first?.data.integer ?? -1
            let tempStore = try await connection.query("PRAGMA temp_store").first?.columns.first?.data.integer ?? -1
            return Settings(journalMode: mode, synchronous: Int(synchronous), busyTimeoutMilliseconds: Int(busy),
                            tempStore: Int(tempStore))
        }
    }

    /// Transactions committed by this connection's group commit, and the writes they held.
    public var commitCounts: (transactions: Int, writes: Int) {
        writes.withLock { ($0.transactions, $0.writes) }
    }
}
