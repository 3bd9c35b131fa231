import Foundation
import Logging
import NIOPosix
import SQLiteNIO
import TriageHandlers

/// Handler progress in a SQLite file, with the outbox's conventions: WAL, `synchronous=FULL` (a save is on
/// disk when it returns), a busy timeout for other processes' writes. One row per object, its
/// ``ObjectProgress`` as JSON; a restarted runner on the same file resumes where the last one stopped.
///
/// ```swift
/// let store = try await SQLiteProgressStore.open(path: "progress.sqlite", logger: logger)
/// let runner = HandlerRunner(handlers: handlers, store: store, clock: ContinuousClock(), logger: logger)
/// ```
public final class SQLiteProgressStore: HandlerProgressStore {
    /// The database file.
    public let path: String
    let connection: SQLiteConnection

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Opens (creating when missing) the store at `path`.
    ///
    /// - Parameter busyTimeout: how long a statement waits for another process's write lock. Default 5 s.
    public static func open(path: String, busyTimeout: Duration = .seconds(5), logger: Logger) async throws -> SQLiteProgressStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: .singleton, logger: logger,
                                                         on: MultiThreadedEventLoopGroup.singleton.any())
        do {
            let milliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
            _ = try await connection.query("PRAGMA busy_timeout = \(milliseconds)")
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA synchronous = FULL")
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS triage_handler_progress (
                    object TEXT PRIMARY KEY NOT NULL,
                    progress TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """)
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteProgressStore(path: path, connection: connection)
    }

    /// Closes the connection; the store cannot be used afterwards.
    public func close() async {
        try? await connection.close()
    }

    public func load(_ change: HandlerChange) async throws -> ObjectProgress {
        let rows = try await connection.query("SELECT progress FROM triage_handler_progress WHERE object = ?", [.text(Self.key(change.object))])
        guard let text = rows.first?.column("progress")?.string else { return ObjectProgress() }
        return try Self.decoder.decode(ObjectProgress.self, from: Data(text.utf8))
    }

    public func save(_ progress: ObjectProgress, for object: HandlerObject) async throws {
        let json = String(decoding: try Self.encoder.encode(progress), as: UTF8.self)
        _ = try await connection.query("""
            INSERT INTO triage_handler_progress (object, progress, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (object) DO UPDATE SET progress = excluded.progress, updated_at = excluded.updated_at
            """, [.text(Self.key(object)), .text(json), .integer(Int(Date().timeIntervalSince1970 * 1000))])
    }

    /// Deletes the object's row.
    public func forget(_ object: HandlerObject) async throws {
        _ = try await connection.query("DELETE FROM triage_handler_progress WHERE object = ?", [.text(Self.key(object))])
    }

    /// What SQLite runs with, read back: (`journal_mode`, `synchronous`, `busy_timeout` in ms).
    public func settings() async throws -> (journalMode: String, synchronous: Int, busyTimeout: Int) {
        let mode = try await connection.query("PRAGMA journal_mode").first?.columns.first?.data.string ?? ""
        let synchronous = try await connection.query("PRAGMA synchronous").first?.columns.first?.data.integer ?? -1
        let busy = try await connection.query("PRAGMA busy_timeout").first?.columns.first?.data.integer ?? -1
        return (mode, synchronous, busy)
    }

    /// `namespace/name/uid`: a recreated object (a new uid) starts over.
    static func key(_ object: HandlerObject) -> String {
        "\(object.namespace ?? "")/\(object.name)/\(object.uid ?? "")"
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
