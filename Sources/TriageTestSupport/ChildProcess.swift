import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a program to completion and returns its status and output, for tests and tools that drive the
/// `triage` binary or system commands.
public enum ChildProcess {
    public struct Result: Sendable {
        /// The exit status, or the signal number when a signal ended it.
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The child ran past its time limit and was stopped (SIGTERM, then SIGKILL 2 s later).
    public struct Timeout: Error, CustomStringConvertible {
        public var executable: String
        public var limit: Duration
        public var description: String { "\(executable) ran longer than \(limit) and was stopped" }
    }

    /// The most output kept per stream (16 MiB).
    public static let maximumOutput = 16 << 20

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`, through
    /// swift-subprocess: output is read through its own non-blocking I/O (no Foundation pipes, whose
    /// reads trap on EINTR), and the wait blocks no thread. When the awaiting task is cancelled, or
    /// `timeout` (default 5 minutes) passes, the child gets SIGTERM and, 2 s later, SIGKILL.
    /// - Throws: ``Timeout`` after `timeout`; `CancellationError` when cancelled; the spawn error.
    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(300)) async throws -> Result {
        let finished: Result? = try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                let program: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
                var options = PlatformOptions()
                options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
                let outcome = try await Subprocess.run(
                    program, arguments: Arguments(arguments), platformOptions: options,
                    output: .string(limit: maximumOutput), error: .string(limit: maximumOutput))
                let status: Int32 = switch outcome.terminationStatus {
                case .exited(let code): code
                case .signaled(let signal): signal
                }
                return Result(status: status, stdout: outcome.standardOutput ?? "", stderr: outcome.standardError ?? "")
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let finished else { throw Timeout(executable: executable, limit: timeout) }
        return finished
    }

    /// ``run(_:_:timeout:)`` on the calling thread, which it blocks until the child exits, through
    /// Foundation's `Process` (output through temporary files: its pipe reads trap on EINTR): for
    /// synchronous contexts outside Swift concurrency only.
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
