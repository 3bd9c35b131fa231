import ArgumentParser
import Foundation
import TriageChaos

/// `triage chaos serve`: a ``ChaosServer`` from flags and/or a scenario file, until SIGINT/SIGTERM.
struct ChaosServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve HTTP on loopback, failing as the flags or a scenario file say.",
        discussion: """
            Flags override the scenario file. Control endpoints: GET /_chaos/stats, POST /_chaos/reset, \
            GET /_chaos/scenario, POST /_chaos/scenario (JSON body). Latency specs: none, fixed:MS, \
            uniform:MIN-MAX, tail:BASE:TAIL:RATE. Stops cleanly on SIGINT or SIGTERM.
            """
    )

    @Option(help: "Listen address (loopback only).")
    var host = "127.0.0.1"

    @Option(help: "Port; 0 picks a free one.")
    var port = 0

    @Option(help: "Scenario file, JSON or flat YAML.")
    var scenario: String?

    @Option(help: "Fraction (0…1) of requests answered with --status.")
    var errorRate: Double?

    @Option(help: "Status of injected errors (default 503).")
    var status: Int?

    @Option(help: "Retry-After value sent with errors (repeatable; one is picked per response).")
    var retryAfter: [String] = []

    @Option(help: "Error body: plain, kubernetes or s3.")
    var errorBody: String?

    @Option(help: "Latency before answering: none, fixed:MS, uniform:MIN-MAX, tail:BASE:TAIL:RATE.")
    var latency: String?

    @Option(help: "At most this many requests at once.")
    var capacity: Int?

    @Option(help: "Over capacity: reject (answer --capacity-status) or wait.")
    var overCapacity: String?

    @Option(help: "Status of capacity rejections (default 503).")
    var capacityStatus: Int?

    @Option(help: "Fraction (0…1) of requests that meet a connection fault.")
    var faultRate: Double?

    @Option(help: "Connection fault: reset, close, truncate or stall (repeatable).")
    var fault: [String] = []

    @Option(help: "Random seed, for reproducible runs.")
    var seed: UInt64?

    @Option(help: "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    var duration: Double?

    /// The scenario the flags and file describe.
    func makeScenario() throws(ChaosScenarioError) -> ChaosScenario {
        var scenario = try self.scenario.map { (path) throws(ChaosScenarioError) -> ChaosScenario in try ChaosScenario(contentsOfFile: path) } ?? ChaosScenario()
        if let errorRate { scenario.errorRate = errorRate }
        if let status { scenario.errorStatus = status }
        if !retryAfter.isEmpty { scenario.retryAfter = retryAfter }
        if let errorBody { scenario.errorBody = try ChaosScenario.named(errorBody, "--error-body") }
        if let latency { scenario.latency = try ChaosLatency(spec: latency) }
        if let capacity { scenario.capacity = capacity }
        if let overCapacity { scenario.overCapacity = try ChaosScenario.named(overCapacity, "--over-capacity") }
        if let capacityStatus { scenario.capacityStatus = capacityStatus }
        if let faultRate { scenario.faultRate = faultRate }
        if !fault.isEmpty { scenario.faults = try fault.map { (name) throws(ChaosScenarioError) -> ChaosFault in try ChaosScenario.named(name, "--fault") } }
        if let seed { scenario.seed = seed }
        return try scenario.validated()
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0…65535") }
        guard ChaosAddressError.loopbackHosts.contains(host) else {
            throw ValidationError(ChaosAddressError(address: host, role: "--host", problem: "not loopback (use 127.0.0.1, ::1 or localhost)").description)
        }
        if let duration, !(duration > 0 && duration <= 86_400) { throw ValidationError("--duration must be within 0…86400 seconds") }
        do throws(ChaosScenarioError) { _ = try makeScenario() } catch { throw ValidationError(error.message) }
    }

    func run() async throws {
        let stop = await TerminationSignal()
        let server = try await ChaosServer.start(try makeScenario(), host: host, port: port)
        say("chaos server listening on \(server.url("/"))  (stats: GET \(server.url("/_chaos/stats")))")
        say("scenario: \(server.scenario.json)")
        let signal = try await CommandServiceGroup.run(until: stop, limit: duration, stopping: [{ await server.shutdown() }])
        say("stopped\(signal.map { " on signal \($0)" } ?? ""); stats: \(server.stats.json)")
    }
}
