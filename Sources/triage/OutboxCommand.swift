import ArgumentParser
import Foundation
import Logging
import TriageOutbox
import TriageOutboxPostgres
import TriageOutboxSQLite

/// `triage outbox enqueue|run|stats|dead`: the durable outbox over HTTP, on an SQLite file or PostgreSQL.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Store messages durably and deliver them over HTTP, at least once and in order per key.",
        subcommands: [OutboxEnqueueCommand.self, OutboxRunCommand.self, OutboxStatsCommand.self, OutboxDeadCommand.self]
    )
}

/// The store options every `triage outbox` subcommand takes.
struct OutboxStoreOptions: ParsableArguments {
    @Option(help: "The SQLite store file (created on first use).")
    var db: String?

    @Option(help: "A PostgreSQL store (postgres://user@127.0.0.1:5432/db).")
    var postgres: String?

    func validate() throws {
        guard (db == nil) != (postgres == nil) else { throw ValidationError("give exactly one of --db FILE and --postgres URL") }
        // SQLite opens "" as a private temporary database: an enqueue into it would exit 0 and be lost.
        if let db, db.isEmpty { throw ValidationError("--db must name a file") }
        _ = try postgresURL()
    }

    /// The parsed `--postgres` URL; a malformed one is a usage error that never shows the password.
    func postgresURL() throws -> PostgresOutboxURL? {
        guard let postgres else { return nil }
        do {
            return try PostgresOutboxURL(postgres)
        } catch {
            throw ValidationError("--postgres: \(error.message)")
        }
    }

    /// What the errors name: the file, or the server without its password.
    var name: String { db ?? (try? postgresURL())?.description ?? "" }

    /// Runs `body` with the store open; failures to open it exit with 1 and say why.
    func withStore<Result: Sendable>(logger: Logger, _ body: (any OutboxStore) async throws -> Result) async throws -> Result {
        if let url = try postgresURL() {
            do {
                return try await PostgresOutboxStore.withStore(url: url, logger: logger) { try await body($0) }
            } catch let error as OutboxError where error.code == .storeUnavailable {
                throw OutboxCommandFailure("\(error)")
            }
        }
        let sqlite = try await openSQLite(logger: logger)
        do {
            let result = try await body(sqlite)
            await sqlite.close()
            return result
        } catch {
            await sqlite.close()
            throw error
        }
    }

    func openSQLite(logger: Logger) async throws -> SQLiteOutboxStore {
        do {
            return try await SQLiteOutboxStore.open(path: db ?? "", logger: logger)
        } catch {
            throw OutboxCommandFailure("\(error)")
        }
    }
}

/// A failure the output explains: exit status 1.
struct OutboxCommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Logger {
    /// Warnings and errors to standard error, for the `outbox` commands.
    static func outboxCommand(verbose: Bool) -> Logger {
        var logger = Logger(label: "triage.outbox", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }
}
