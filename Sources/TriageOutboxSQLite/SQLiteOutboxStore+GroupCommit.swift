import SQLiteNIO
import Triage
import TriageOutbox

extension SQLiteOutboxStore {
    /// One write waiting for the next transaction.
    struct WriteJob: Sendable {
        enum Work: Sendable {
            /// Inserted with the transaction's other enqueues in multi-row statements.
            case enqueue(EnqueueBatch)
            /// Marked with the transaction's other delivered messages in multi-row statements.
            case delivered(DeliveredMark)
            /// Statements of their own, run as they are; `durable`: their commit must survive a power loss.
            case statements(@Sendable (SQLiteConnection) async throws -> Void, durable: Bool)
        }

        var work: Work
        var finish: @Sendable ((any Error)?) -> Void

        /// Whether the commit must be on disk when it returns (`synchronous=FULL`). Delivered marks and
        /// claims need not: lost to a power cut, they leave messages claimed or pending that were sent,
        /// which are sent again (at least once, same idempotency key, in order: each key's delivered
        /// messages are a prefix of it, and a lost mark loses the marks after it too, as the WAL is
        /// replayed up to its first missing frame). A process kill loses nothing either way.
        var durable: Bool {
            switch work {
            case .enqueue: true
            case .delivered: false
            case .statements(_, let durable): durable
            }
        }
    }

    struct WriteQueue {
        var jobs: [WriteJob] = []
        var writing = false
        /// Transactions committed and writes they held, for benchmarks and tests.
        var transactions = 0
        var writes = 0
        /// Transactions committed with `synchronous=NORMAL` (no fsync), for tests.
        var unsynced = 0
    }

    /// Transactions committed without an fsync: those of delivered marks and claims only.
    var unsyncedTransactions: Int { writes.withLock { $0.unsynced } }

    /// Runs `body` inside the next group-committed transaction; returns after the commit.
    ///
    /// - Parameter durable: the commit must survive a power loss (``WriteJob/durable``). Default `true`.
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let result = LockedValue<T?>(nil)
        try await submit(.statements({ connection in
            let value = try await body(connection)
            result.withLock { $0 = value }
        }, durable: durable))
        return result.withLock { $0! }
    }

    /// Queues `work` for the next transaction; returns after its commit.
    func submit(_ work: WriteJob.Work) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = WriteJob(work: work) { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            }
            let startWriter = writes.withLock { queue -> Bool in
                queue.jobs.append(job)
                if queue.writing { return false }
                queue.writing = true
                return true
            }
            if startWriter { Task { await self.drainWrites() } }
        }
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
        switch await transaction(jobs) {
        case .committed:
            return jobs.map { _ in nil }
        case .failed(let error):
            return jobs.map { _ in error }
        case .jobFailed(let error):
            if jobs.count == 1 { return [error] }
            var outcomes: [(any Error)?] = []
            for job in jobs {
                switch await transaction([job]) {
                case .committed: outcomes.append(nil)
                case .jobFailed(let error), .failed(let error): outcomes.append(error)
                }
            }
            return outcomes
        }
    }

    /// One transaction of `jobs`, committed with `synchronous=FULL` when one of them is ``WriteJob/durable``
    /// and with `NORMAL` (no fsync; the connection is set back to `FULL` after) when none is.
    private func transaction(_ jobs: [WriteJob]) async -> TransactionOutcome {
        if jobs.contains(where: \.durable) { return await run(jobs) }
        do {
            _ = try await connection.query("PRAGMA synchronous = NORMAL")
        } catch {
            return .failed(error)
        }
        let outcome = await run(jobs)
        if case .committed = outcome { writes.withLock { $0.unsynced += 1 } }
        do {
            _ = try await connection.query("PRAGMA synchronous = FULL")
        } catch {
            // Never left at NORMAL: the next enqueue's commit would not be synced.
            try? await connection.close()
            return .failed(error)
        }
        return outcome
    }

    /// The jobs' own statements in queue order, then every enqueue, then every delivered mark (and the
    /// claims asked with them): the jobs are concurrent calls, so any order is one they could have had.
    private func run(_ jobs: [WriteJob]) async -> TransactionOutcome {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            return .failed(error)
        }
        do {
            var batches: [EnqueueBatch] = []
            var marks: [DeliveredMark] = []
            for job in jobs {
                switch job.work {
                case .statements(let body, _): try await body(connection)
                case .enqueue(let batch): batches.append(batch)
                case .delivered(let mark): marks.append(mark)
                }
            }
            if !batches.isEmpty { try await Self.insert(batches, on: connection) }
            if !marks.isEmpty { try await Self.markDelivered(marks, on: connection) }
        } catch {
            _ = try? await connection.query("ROLLBACK")
            return .jobFailed(error)
        }
        do {
            _ = try await connection.query("COMMIT")
            return .committed
        } catch {
            _ = try? await connection.query("ROLLBACK")
            return .failed(error)
        }
    }

    /// `(?, ?, …), (?, ?, …), …`: the VALUES of a multi-row statement.
    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// Rows per multi-row statement: SQLite binds at most 32,766 values in one.
    static let rowsPerStatement = 256
}
