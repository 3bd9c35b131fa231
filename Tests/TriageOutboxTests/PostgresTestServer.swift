import Foundation
import Logging
import PostgresNIO
import TriageChaos
import TriageTestSupport
import TriageOutbox
import TriageOutboxPostgres

/// The throwaway server of `scripts/test-postgres.sh` (127.0.0.1:54329, role `triage`), or the one
/// `TRIAGE_TEST_POSTGRES_URL` names. Each test gets a database of its own.
enum PostgresTestServer {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let script = root + "/scripts/test-postgres.sh"
    static let url = ProcessInfo.processInfo.environment["TRIAGE_TEST_POSTGRES_URL"]
        ?? "postgres://triage:triage-test@127.0.0.1:54329/triage_test"
    static let parsed = try! PostgresOutboxURL(url)
    /// Whether the server is the script's, which the tests may crash and restart.
    static let isScriptServer = ProcessInfo.processInfo.environment["TRIAGE_TEST_POSTGRES_URL"] == nil

    /// Whether the server answers, starting it with the script first when it does not (after a reboot,
    /// `scripts/install-test-deps.sh` having made the cluster before).
    static let available: Bool = {
        if answers() { return true }
        guard isScriptServer, FileManager.default.fileExists(atPath: script) else { return false }
        _ = try? ChildProcess.runBlocking("/bin/bash", [script, "start"])
        return answers()
    }()

    /// A TCP connection to the server's port succeeds.
    static func answers() -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(parsed.port).bigEndian)
        address.sin_addr.s_addr = inet_addr(parsed.host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A new empty database; the URL to it.
    static func freshDatabase() async throws -> String {
        let name = "t_" + OutboxIdentifier.make().prefix(16)
        try await admin { _ = try await $0.query("CREATE DATABASE \(unescaped: name)", logger: quietLogger) }
        return url.replacingOccurrences(of: "/\(parsed.database)", with: "/\(name)")
    }

    /// Runs `body` on a plain connection to `database` (default the test database) as the test role.
    static func admin<T: Sendable>(database: String? = nil, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var configuration = try parsed.connectionConfiguration()
        configuration.database = database ?? parsed.database
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quietLogger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Terminates the other client connections of this role to `database` (`pg_terminate_backend`); how
    /// many. Not every backend: an autovacuum worker on the database runs as the superuser, and
    /// terminating it is an error for the test role (the fleet test failed so once in CI).
    static func terminateBackends(of database: String) async throws -> Int {
        try await admin { connection in
            var count = 0
            for try await terminated in try await connection.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = \(database) AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND usename = current_user
                """, logger: quietLogger).decode(Bool.self) where terminated { count += 1 }
            return count
        }
    }

    /// `pg_ctl stop -m immediate` (a crash: no checkpoint, recovery from the WAL at the next start), then
    /// a start after `downFor`.
    static func crashAndRestart(downFor: Duration) async throws {
        let stop = try await ChildProcess.run("/bin/bash", [script, "stop-immediate"])
        guard stop.status == 0 else { throw OutboxError(.storeUnavailable, "stop-immediate: \(stop.stderr)") }
        try await Task.sleep(for: downFor)
        let start = try await ChildProcess.run("/bin/bash", [script, "start"])
        guard start.status == 0 else { throw OutboxError(.storeUnavailable, "start: \(start.stderr)") }
    }

    /// Runs `body` with an in-process store on `url`.
    static func withStore<T: Sendable>(_ url: String, _ body: (PostgresOutboxStore) async throws -> T) async throws -> T {
        try await PostgresOutboxStore.withStore(url: try PostgresOutboxURL(url), logger: quietLogger, body)
    }
}

/// For `.enabled(if:)`: the PostgreSQL suites run when the test server answers and skip visibly otherwise.
let postgresAvailable = PostgresTestServer.available
