import ArgumentParser
import Triage
import TriageProbe

/// Ends the process with a status after the report is printed.
struct ProbeExit: Error {
    var code: Int32
}

/// `triage probe URL`: send one request, classify what happened, explain the decision.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Send one HTTP request and explain how it failed (or that it did not).",
        discussion: "Exit status: 0 success, 1 failure (the report says how), 2 bad usage."
    )

    @Argument(help: "The URL to request.")
    var url: String

    @Flag(help: "Print one JSON object instead of the report.")
    var json = false

    @Option(name: [.customShort("X"), .long], help: "HTTP method.")
    var method = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "Request header 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("secret-header"), help: "The name of a header given with -H whose value is secret: never printed, not sent to another origin (repeatable).")
    var secretHeaders: [String] = []

    @Option(name: [.customShort("d"), .long], help: "Request body: TEXT, or @FILE.")
    var data: String?

    @Option(help: "Attempts in all; 1 means no retry (default: the library's default policy).")
    var maxAttempts: Int = RetryPolicy().maximumAttempts

    @Option(help: "Overall deadline across all attempts, in seconds (default 30).")
    var timeout: Double?

    @Option(help: "Per-attempt timeout in seconds, head and body (a --watch stream's body excepted), also the read timeout (default 10).")
    var attemptTimeout: Double?

    @Option(help: "TCP and TLS connect timeout in seconds (default 5).")
    var connectTimeout: Double?

    @Option(help: "Extra trusted root certificate(s), PEM.")
    var cacert: String?

    @Option(help: "Send this Idempotency-Key; allows resending a non-idempotent method.")
    var idempotencyKey: String?

    @Option(help: "Treat the response as a stream expected to last about this many seconds.")
    var watch: Double?

    func options() throws -> ProbeOptions {
        var options = ProbeOptions(url: url)
        options.method = method
        options.headers = try headers.map(ProbeOptions.header)
        options.secretHeaders = secretHeaders
        options.body = try data.map(ProbeOptions.data)
        options.maximumAttempts = maxAttempts
        if let timeout { options.timeout = try ProbeOptions.seconds(timeout, flag: "--timeout") }
        if let attemptTimeout { options.attemptTimeout = try ProbeOptions.seconds(attemptTimeout, flag: "--attempt-timeout") }
        if let connectTimeout { options.connectTimeout = try ProbeOptions.seconds(connectTimeout, flag: "--connect-timeout") }
        if let cacert { options.extraRootsPEM = try ProbeOptions.caCertificates(path: cacert) }
        options.idempotencyKey = idempotencyKey
        if let watch { options.watch = try ProbeOptions.seconds(watch, flag: "--watch") }
        return options
    }

    func validate() throws {
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        // A name, not 'Name: value': given a whole header, the flag marked a name no request carried and
        // sent nothing, silently.
        for name in secretHeaders where name.isEmpty || name.contains(where: { $0 == ":" || $0.isWhitespace }) {
            // The argument is not echoed: it may hold the secret itself.
            throw ValidationError("--secret-header takes a header's name only; its value goes in -H 'Name: value'")
        }
        guard method.allSatisfy({ $0.isLetter || $0 == "-" }), !method.isEmpty else { throw ValidationError("invalid method \(method)") }
        do { _ = try options() } catch let error as ProbeOptions.UsageError { throw ValidationError(error.description) }
    }

    func run() async throws {
        let report = await ProbeRunner(options: try options()).run()
        print(json ? report.json() : report.human())
        if report.exitCode != 0 { throw ProbeExit(code: report.exitCode) }
    }
}
