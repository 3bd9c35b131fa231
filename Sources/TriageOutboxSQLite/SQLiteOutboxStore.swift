import Triage
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import TriageOutbox

/// The embedded outbox store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk
/// when it returns, shared by any number of processes (the busy timeout waits out another's write).
///
/// Writes are group-committed: every write (enqueues, claims, acknowledgements) waiting while one
/// transaction commits goes into the next transaction together, so one fsync serves them all; when one
/// write fails, the others are committed again one by one and only the failing one fails. A call
/// returns after its commit.
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

    struct WriteJob: Sendable {
        var run: @Sendable (SQLiteConnection) async throws -> Void
        var finish: @Sendable ((any Error)?) -> Void
    }

    struct WriteQueue {
        var jobs: [WriteJob] = []
        var writing = false
        /// Transactions committed and writes they held, for benchmarks and tests.
        var transactions = 0
        var writes = 0
    }

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
    }

    public func settings() async throws -> Settings {
        try await lock.withLock {
            let mode = try await connection.query("PRAGMA journal_mode").first?.columns.first?.data.string ?? ""
            let synchronous = try await connection.query("PRAGMA synchronous").first?.columns.first?.data.integer ?? -1
            let busy = try await connection.query("PRAGMA busy_timeout").first?.columns.first?.data.integer ?? -1
            return Settings(journalMode: mode, synchronous: Int(synchronous), busyTimeoutMilliseconds: Int(busy))
        }
    }

    /// Transactions committed by this connection's group commit, and the writes they held.
    public var commitCounts: (transactions: Int, writes: Int) {
        writes.withLock { ($0.transactions, $0.writes) }
    }

    /// Runs `body` inside the next group-committed transaction; returns after the commit.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let result = LockedValue<T?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = WriteJob(
                run: { connection in
                    let value = try await body(connection)
                    result.withLock { $0 = value }
                },
                finish: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                })
            let startWriter = writes.withLock { queue -> Bool in
                queue.jobs.append(job)
                if queue.writing { return false }
                queue.writing = true
                return true
            }
            if startWriter { Task { await self.drainWrites() } }
        }
        return result.withLock { $0! }
    }

    /// Commits queued writes, a transaction at a time, until none is left.
    private func drainWrites() async {
        while true {
            let jobs = writes.withLock { queue -> [WriteJob] in
                defer { queue.jobs = [] }
                if queue.jobs.isEmpty { queue.writing = false }
                return queue.jobs
            }
            if jobs.isEmpty { return }
            let outcomes = await lock.withLock { await commit(jobs) }
            writes.withLock {
                $0.transactions += 1
                $0.writes += jobs.count
            }
            for (job, outcome) in zip(jobs, outcomes) { job.finish(outcome) }
        }
    }

    /// How one transaction ended.
    private enum TransactionOutcome {
        case committed
        /// A job threw; the transaction was rolled back.
        case jobFailed(any Error)
        /// BEGIN or COMMIT failed (the disk is full, the file is locked past the busy timeout).
        case failed(any Error)
    }

    /// Every job in one transaction; when one job fails, each is run again in a transaction of its own,
    /// so that only the failing one fails. The outcome of each job.
    private func commit(_ jobs: [WriteJob]) async -> [(any Error)?] {
        switch await transaction(jobs[...]) {
        case .committed:
            return jobs.map { _ in nil }
        case .failed(let error):
            return jobs.map { _ in error }
        case .jobFailed(let error):
            if jobs.count == 1 { return [error] }
            var outcomes: [(any Error)?] = []
            for job in jobs {
                switch await transaction([job][...]) {
                case .committed: outcomes.append(nil)
                case .jobFailed(let error), .failed(let error): outcomes.append(error)
                }
            }
            return outcomes
        }
    }

    private func transaction(_ jobs: ArraySlice<WriteJob>) async -> TransactionOutcome {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            return .failed(error)
        }
        for job in jobs {
            do {
                try await job.run(connection)
            } catch {
                _ = try? await connection.query("ROLLBACK")
                return .jobFailed(error)
            }
        }
        do {
            _ = try await connection.query("COMMIT")
            return .committed
        } catch {
            _ = try? await connection.query("ROLLBACK")
            return .failed(error)
        }
    }
}
