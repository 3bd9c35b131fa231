import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// `triage chaos serve` and `chaos proxy` run until SIGTERM or SIGINT and then stop cleanly (exit 0,
/// final counts printed).
@Suite struct ChaosSignalTests {
    static let commands: [[String]] = [
        ["chaos", "serve", "--port", "0", "--duration", "20"],
        ["chaos", "proxy", "--upstream", "127.0.0.1:1", "--duration", "20"],
    ]

    @Test(arguments: commands, [SIGTERM, SIGINT])
    func stopsCleanlyOnASignal(arguments: [String], signal: Int32) async throws {
        let binary = ChaosCommandLineTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-serve-\(UUID()).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // Wait (bounded) for the address line, so the signal handlers are installed.
        var text = ""
        for _ in 0..<200 where !text.contains("listening on") {
            try await Task.sleep(for: .milliseconds(25))
            text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("listening on"))
        kill(process.processIdentifier, signal)
        await process.exited()
        try? handle.close()
        text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("stopped on signal \(signal)"))
    }
}
