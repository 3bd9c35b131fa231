import ArgumentParser
import Foundation
import Logging
import Triage
import TriageHandlers
import TriageKubernetes

/// `triage kube handle PATH -- COMMAND [ARGS...]`: COMMAND as a Kopf-style handler for every object of
/// the collection (handlers-cli.md).
struct KubeHandleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handle",
        abstract: "Run a command as a Kopf-style handler for every change of a collection's objects.",
        discussion: """
        The object is on the command's stdin; TRIAGE_CAUSE, TRIAGE_RETRY, TRIAGE_STARTED, TRIAGE_OBJECT_NAME and \
        TRIAGE_OBJECT_NAMESPACE are in its environment. Exit 0 is success, 75 a temporary error (a last stdout \
        line delay=SECONDS names its delay), 65 a permanent error, anything else an arbitrary error (--errors). \
        Progress is kept in the object's annotations (triage.dev/progress, triage.dev/last-handled), the last \
        outcome in status.triage, and each attempt is posted as an event.
        """
    )

    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "The collection's API path, e.g. /apis/example.com/v1/namespaces/default/widgets.")
    var path: String

    @Argument(parsing: .postTerminator, help: "The handler command and its arguments, after --.")
    var command: [String] = []

    @Option(help: "What an arbitrary error is: temporary, permanent, ignored or classified (default: temporary).")
    var errors: String = ErrorsMode.temporary.rawValue

    @Option(help: "Retries before the change fails for good (default: unlimited).")
    var retries: Int?

    @Option(help: "Overall seconds for a change, from TRIAGE_STARTED; downtime counts (default: none).")
    var timeout: Double?

    @Option(help: "Seconds one invocation may run: then SIGTERM, and SIGKILL 2 s later (default: none).")
    var attemptTimeout: Double?

    @Option(help: "Seconds before retrying an arbitrary error (default: 60).")
    var backoff: Double = 60

    @Option(help: "Seconds of a temporary error that names no delay (default: 60).")
    var temporaryDelay: Double = 60

    @Option(help: "Stop after this many seconds (default: until a signal).")
    var duration: Double?

    @Flag(help: "One JSON object per attempt.")
    var json = false

    func validate() throws {
        try KubeConnectionOptions.validate(path: path)
        guard !command.isEmpty else { throw ValidationError("give the handler command after --") }
        guard ErrorsMode(rawValue: errors) != nil else { throw ValidationError("--errors must be temporary, permanent, ignored or classified") }
        if let retries, retries < 0 { throw ValidationError("--retries must not be negative") }
        for (name, value) in [("--timeout", timeout), ("--attempt-timeout", attemptTimeout), ("--duration", duration),
                              ("--backoff", backoff), ("--temporary-delay", temporaryDelay)] {
            if let value, !(value >= 0 && value.isFinite && value <= 31_536_000) {
                throw ValidationError("\(name) must be a number of seconds from 0 to 31536000")
            }
        }
        if let attemptTimeout, attemptTimeout == 0 { throw ValidationError("--attempt-timeout must be positive") }
    }

    var options: HandlerOptions {
        get throws {
            var options = HandlerOptions.kopf
            options.errors = ErrorsMode(rawValue: errors) ?? .temporary
            options.retries = retries
            options.timeout = timeout.map(Self.duration)
            options.attemptTimeout = attemptTimeout.map(Self.duration)
            options.backoff = Backoff(.constant, base: Self.duration(backoff), cap: Self.duration(backoff))
            return options
        }
    }

    static func duration(_ seconds: Double) -> Duration { .milliseconds(Int64(seconds * 1000)) }

    func run() async throws {
        let configuration = try connection.configuration()
        let options = try self.options
        let signal = await TerminationSignal()
        let script = ScriptHandler(command: command[0], arguments: Array(command.dropFirst()), temporaryDelay: Self.duration(temporaryDelay))
        let json = self.json
        let path = self.path
        let limit = duration
        let logger = Logger(label: "triage.kube.handle")
        let gaveUp: (any Error)? = try await KubernetesClient.withClient(configuration: configuration) { client in
            let store = AnnotationProgressStore(client: client, collection: path, logger: logger)
            let reporter = CombinedHandlerReporter([
                KubernetesHandlerReporter(client: client, collection: path, logger: logger),
                AttemptLinePrinter(json: json),
            ])
            let handler = Handler(id: "progress", causes: [.create, .update, .resume], options: options) { context in
                try await script.run(context)
            }
            let runner = HandlerRunner(handlers: [handler], store: store, reporter: reporter, clock: ContinuousClock(), logger: logger)
            let supervisor = WatchSupervisor(client: client, path: path, logger: logger)
            let running = Task { await runner.run() }
            // Until --duration, a signal, or the watch giving up (then exit 1: nothing more would be handled).
            let gaveUp: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask {
                    do {
                        try await runner.submitChanges(of: supervisor)
                        return nil
                    } catch {
                        return error
                    }
                }
                group.addTask {
                    _ = await signal.wait(limit: limit)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            // Graceful: no new changes; a running handler may finish for 2 s, then it is cancelled
            // (SIGTERM, SIGKILL 2 s later) and its progress saved as not done: started kept, neither
            // success nor failure, retries as they were; the next runner resumes it (cause resume).
            runner.finish()
            let finished = Task {
                try? await Task.sleep(for: .seconds(2))
                running.cancel()
            }
            await running.value
            finished.cancel()
            return gaveUp
        }
        if let gaveUp {
            KubeWatchCommand.report(gaveUp, json: json)
            throw ProbeExit(code: 1)
        }
    }
}

/// Prints one line per attempt (handlers-cli.md): `{"type": "attempt", ...}` with `--json`, else a human line.
struct AttemptLinePrinter: HandlerReporter {
    var json: Bool

    func report(_ report: HandlerReport) async throws {
        let judgement = report.judgement
        let outcome = Self.outcome(judgement)
        let retry = judgement.progress.records.last?.retry ?? judgement.progress.retries
        var delay: Double?
        if case .retry(let after) = judgement.outcome { delay = after.triageSeconds }
        if json {
            say(KubeOutput.object([
                ("type", "\"attempt\""), ("name", KubeOutput.string(report.object.name)),
                ("cause", KubeOutput.string(report.cause.rawValue)), ("retry", String(retry)),
                ("outcome", KubeOutput.string(outcome)), ("delay_s", delay.map(KubeOutput.number) ?? "null"),
                ("final", judgement.outcome.isFinal ? "true" : "false"),
            ]))
        } else {
            let next = delay.map { String(format: ", retry in %.1f s", $0) } ?? (judgement.outcome.isFinal ? ", done" : "")
            say("\(report.object) \(report.cause.rawValue) retry \(retry): \(outcome)\(next) — \(judgement.reason)")
        }
    }

    /// `success`, `temporary`, `permanent`, `error` or `timeout`: what the attempt came to.
    static func outcome(_ judgement: HandlerJudgement) -> String {
        switch judgement.thrown {
        case nil: judgement.kind == .handlerTimeout ? "timeout" : "success"
        case .temporary: "temporary"
        case .permanent: "permanent"
        case .attemptTimeout: "timeout"
        case .arbitrary: "error"
        }
    }
}
