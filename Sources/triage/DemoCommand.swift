import ArgumentParser
import Foundation
import TriageBench
import TriageProbe

/// `triage demo`: the same workload against an embedded chaos server with no retries, naive retries
/// and Triage's standard pipeline, under 20 % 503s, a total outage and throttling; `--tour` instead
/// shows how each failure mode is classified.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Compare no retries, naive retries and Triage's pipeline against a failing server on loopback.",
        discussion: """
            Runs about 30 seconds. Every request is real HTTP to 127.0.0.1. With --tour, shows instead how \
            Triage classifies each failure mode (refused, reset, TLS, timeouts, 503, ...).
            """
    )

    @Flag(help: "Show the failure-classification tour instead of the policy comparison.")
    var tour = false

    @Option(help: "Requests per phase and policy.")
    var requests = PolicyComparison.demoOptions.requests

    @Option(help: "Requests issued per second (paced, whatever the outcomes).")
    var rate = PolicyComparison.demoOptions.rate ?? 100

    @Option(help: "At most this many requests in flight.")
    var concurrency = PolicyComparison.demoOptions.concurrency

    func validate() throws {
        guard (1...100_000).contains(requests) else { throw ValidationError("--requests must be within 1…100000") }
        guard rate > 0, rate <= 10_000 else { throw ValidationError("--rate must be within 0…10000 per second") }
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be within 1…256") }
    }

    func run() async throws {
        if tour { return try await runTour() }
        print("Triage demo: \(requests) GETs per run at \(Int(rate))/s, against a chaos server on 127.0.0.1.")
        print("none = 1 attempt; naive = 3 immediate attempts; standard = Pipeline.standard (one per client, 2 s deadline).\n")
        let interactive = isatty(STDOUT_FILENO) == 1
        var options = PolicyComparison.demoOptions
        options.requests = requests
        options.rate = rate
        options.concurrency = concurrency
        options.maximumDuration = .seconds(Double(requests) / rate + 1)
        let comparison = PolicyComparison(options: options)
        let progressLine: @Sendable (PolicyComparison.Progress) -> Void = { progress in
            let line = "  \(progress.phase) / \(progress.policy.rawValue): \(progress.finished)/\(progress.total)"
            FileHandle.standardOutput.write(Data(("\r" + line.padding(toLength: 60, withPad: " ", startingAt: 0)).utf8))
        }
        let rows = try await comparison.run(started: { phase, policy in
            if !interactive { print("running \(phase) / \(policy.rawValue) ...") }
        }, progress: interactive ? progressLine : nil)
        if interactive { print("\r" + String(repeating: " ", count: 60) + "\r", terminator: "") }
        print(PolicyComparison.table(rows))
        print("\nattempts/req counts requests that reached the server (amplification); see `triage demo --tour` for the failure kinds.")
        try await runKubernetesDemo()
        try await runHandlersDemo()
        try await OutboxDemo.run()
        await S3Demo.run()
    }

    private func runTour() async throws {
        print("Triage demo: every failure below is produced for real on 127.0.0.1.\n")
        let rows = try await FailureTour.run { row in
            print(row.formatted(), terminator: "\n")
        } header: { print($0) }
        let failed = rows.filter { !$0.matchesExpectation }
        print("\n\(rows.count) modes, \(rows.count - failed.count) classified as expected.")
        if !failed.isEmpty { throw ExitCode.failure }
    }
}
