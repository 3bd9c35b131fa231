import ArgumentParser
import Foundation
import Logging
import TriageOutbox
import TriageOutboxSQLite

/// `triage outbox enqueue|run|stats|dead`: the durable outbox over HTTP, on an SQLite file.
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
    }

    /// Opens the store; failures to open it exit with 1 and say why.
    func open(logger: Logger) async throws -> SQLiteOutboxStore {
        guard let db else {
            throw OutboxCommandFailure("the PostgreSQL store is not available in this build; use --db FILE")
        }
        do {
            return try await SQLiteOutboxStore.open(path: db, logger: logger)
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
