import Foundation
import Testing
import TriageChaos

/// `triage chaos serve` runs until SIGTERM and then stops cleanly (exit 0, final stats printed).
@Suite struct ChaosSignalTests {
    @Test func serveStopsCleanlyOnSIGTERM() async throws {
        let binary = ChaosCommandLineTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-serve-\(UUID()).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["chaos", "serve", "--port", "0", "--duration", "20"]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // Wait (bounded) for the address line, so the signal handlers are installed.
        var text = ""
        for _ in 0..<200 where !text.contains("listening on") {
            try await Task.sleep(for: .milliseconds(25))
            text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("listening on http://127.0.0.1:"))
        process.terminate()  // SIGTERM
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        try? handle.close()
        text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("stopped on signal \(SIGTERM)"))
    }
}
