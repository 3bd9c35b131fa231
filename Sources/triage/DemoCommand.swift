import ArgumentParser
import TriageProbe

/// `triage demo`: misbehaving servers on loopback, each failure probed and classified.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start misbehaving servers on loopback and show how Triage classifies each failure."
    )

    func run() async throws {
        print("Triage demo: every failure below is produced for real on 127.0.0.1.\n")
        let rows = try await FailureTour.run { row in
            print(row.formatted(), terminator: "\n")
        } header: { print($0) }
        let failed = rows.filter { !$0.matchesExpectation }
        print("\n\(rows.count) modes, \(rows.count - failed.count) classified as expected.")
        if !failed.isEmpty { throw ExitCode.failure }
    }
}
