import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Triage
import TriageOutbox
import TriageOutboxPostgres
import TriageOutboxSQLite

/// `triage outbox run`: delivers until SIGINT/SIGTERM, or with --until-empty until nothing is left.
struct OutboxRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Deliver stored messages over HTTP, in order per key, until stopped (or until empty).",
        discussion: """
            Each message is POSTed to its URL with Idempotency-Key, Triage-Outbox-Key and Triage-Outbox-Seq. 2xx \
            delivers it; retryable failures are retried with backoff (Retry-After honoured); permanent ones move it \
            to the dead letters and its key goes on. SIGINT/SIGTERM stop gracefully. Claims of a killed run on the \
            same file return to pending as soon as this one starts; on PostgreSQL, when their leases end.
            """
    )

    @OptionGroup var store: OutboxStoreOptions

    @Flag(help: "Exit 0 once nothing is pending or in flight.")
    var untilEmpty = false

    @Option(help: "Messages in flight at once (each of a different key).")
    var concurrency = 16

    @Option(help: "Seconds a claim holds a message before another process may take it.")
    var lease = 30.0

    @Flag(help: "Log each attempt to standard error.")
    var verbose = false

    func validate() throws {
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be within 1…1024") }
        guard lease >= 0.1, lease <= 86_400 else { throw ValidationError("--lease must be within 0.1…86400 seconds") }
    }

    func run() async throws {
        let logger = Logger.outboxCommand(verbose: verbose)
        var configuration = OutboxConfiguration.defaults
        configuration.concurrency = concurrency
        configuration.lease = .milliseconds(Int64(lease * 1000))
        configuration.faultPoint = OutboxCrashInjection.fromEnvironment()
        if let url = try store.postgresURL() {
            try await run(on: url, configuration: configuration, logger: logger)
        } else {
            try await runOnSQLite(configuration: configuration, logger: logger)
        }
    }

    private func runOnSQLite(configuration: OutboxConfiguration, logger: Logger) async throws {
        let signals = await TerminationSignal()
        let sqlite = try await store.openSQLite(logger: logger)
        let outbox = Outbox(store: sqlite, configuration: configuration, logger: logger)
        do {
            _ = try await sqlite.reclaimClaimsOfDeadRunners()
            try await HTTPOutboxTransport.withTransport(logger: logger) { transport in
                let delivering = ServiceGroupConfiguration.ServiceConfiguration(
                    service: Delivering(outbox: outbox, transport: transport, untilEmpty: untilEmpty),
                    successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup)
                _ = try await CommandServiceGroup.run(until: signals, limit: nil, services: [delivering])
            }
        } catch {
            await sqlite.close()
            throw OutboxCommandFailure("outbox run stopped: \(error)")
        }
        await sqlite.close()
    }

    /// The client and the delivery loop in one `ServiceGroup`, which stops both on SIGINT/SIGTERM.
    private func run(on url: PostgresOutboxURL, configuration: OutboxConfiguration, logger: Logger) async throws {
        do {
            try await PostgresOutboxStore.prepare(url: url, logger: logger)
        } catch {
            throw OutboxCommandFailure("\(error)")
        }
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        let postgres = PostgresOutboxStore(client: client, endpoint: url.endpoint, logger: logger)
        let outbox = Outbox(store: postgres, configuration: configuration, logger: logger)
        do {
            try await HTTPOutboxTransport.withTransport(logger: logger) { transport in
                let service = PostgresOutboxService(store: postgres, outbox: outbox, transport: transport, untilEmpty: untilEmpty)
                try await service.serviceGroup(client: client, logger: logger).run()
            }
        } catch {
            throw OutboxCommandFailure("outbox run stopped: \(error)")
        }
    }
}

/// The SQLite outbox's delivery loop as a `Service`: graceful shutdown stops claiming and lets what is
/// in flight finish (``Outbox/stop()``).
struct Delivering<Transport: OutboxTransport>: Service {
    let outbox: Outbox
    let transport: Transport
    let untilEmpty: Bool

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await outbox.run(transport: transport, untilEmpty: untilEmpty)
        } onGracefulShutdown: {
            outbox.stop()
        }
    }
}

/// Crash points for tests: `TRIAGE_OUTBOX_CRASH=afterSend:0.1,afterClaim:0.05` SIGKILLs this process at
/// those points with those probabilities (`afterClaim`, `afterSend`, `beforeMarkDelivered`).
enum OutboxCrashInjection {
    static func fromEnvironment() -> (@Sendable (OutboxFaultPoint) -> Void)? {
        guard let spec = ProcessInfo.processInfo.environment["TRIAGE_OUTBOX_CRASH"], !spec.isEmpty else { return nil }
        var chances: [OutboxFaultPoint: Double] = [:]
        for part in spec.split(separator: ",") {
            let fields = part.split(separator: ":")
            guard fields.count == 2, let point = OutboxFaultPoint(rawValue: String(fields[0])), let chance = Double(fields[1]) else { continue }
            chances[point] = chance
        }
        let table = chances
        return { point in
            if let chance = table[point], Double.random(in: 0..<1) < chance { kill(getpid(), SIGKILL) }
        }
    }
}
