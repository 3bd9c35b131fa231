import Foundation

/// Runs a program to completion and returns its status and output, for tests and tools that drive the
/// `triage` binary or system commands.
///
/// Output goes through temporary files rather than pipes: Foundation's pipe reads trap on EINTR,
/// which the signals of a busy test process make likely.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable` (a path, or a name looked up on PATH via /usr/bin/env) with `arguments`.
    ///
    /// The wait happens on a Dispatch thread, not on the cooperative pool: a child that runs for
    /// seconds must not hold one of a 2-core machine's two task threads while other tests need it.
    public static func run(_ executable: String, _ arguments: [String]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try runBlocking(executable, arguments) })
            }
        }
    }

    /// ``run(_:_:)`` on the calling thread, which it blocks until the child exits: for synchronous
    /// contexts outside Swift concurrency only.
    public static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("triage-child-\(UUID()).out")
        let errURL = directory.appendingPathComponent("triage-child-\(UUID()).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
