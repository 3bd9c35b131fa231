import ArgumentParser
import Foundation
import Logging
import Triage
import TriageOutbox
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
            same file return to pending as soon as this one starts.
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
        let signals = await TerminationSignal()
        let logger = Logger.outboxCommand(verbose: verbose)
        let sqlite = try await store.open(logger: logger)
        var configuration = OutboxConfiguration.defaults
        configuration.concurrency = concurrency
        configuration.lease = .milliseconds(Int64(lease * 1000))
        configuration.faultPoint = OutboxCrashInjection.fromEnvironment()
        let outbox = Outbox(store: sqlite, configuration: configuration, logger: logger)
        do {
            _ = try await sqlite.reclaimClaimsOfDeadRunners()
            try await HTTPOutboxTransport.withTransport(logger: logger) { transport in
                let watcher = Task {
                    if await signals.wait(limit: nil) != nil { outbox.stop() }
                }
                defer { watcher.cancel() }
                try await outbox.run(transport: transport, untilEmpty: untilEmpty)
            }
        } catch {
            await sqlite.close()
            throw OutboxCommandFailure("outbox run stopped: \(error)")
        }
        await sqlite.close()
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
