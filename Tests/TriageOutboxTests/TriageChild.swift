import Foundation
import TriageChaos
import TriageTestSupport

/// The built `triage` binary, run as a child process the test can SIGKILL.
final class TriageChild: @unchecked Sendable {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage").path
    }

    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Runs `triage arguments` to completion (waiting on a Dispatch thread, not the cooperative pool).
    static func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(binary, arguments)
    }

    let process = Process()
    private let errorFile: URL

    /// Starts `triage arguments` with `environment` added; its standard error goes to a file.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("triage-outbox-child-\(UUID()).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    func kill() {
        if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the child to exit (at most `limit`, then SIGKILLs it); its status and standard error.
    func wait(limit: Duration = .seconds(60)) async -> (status: Int32, reason: Process.TerminationReason, stderr: String) {
        let process = self.process
        let watchdog = Task {
            try await Task.sleep(for: limit)
            self.kill()
        }
        await process.exited()
        watchdog.cancel()
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: errorFile)
        return (process.terminationStatus, process.terminationReason, stderr)
    }
}
