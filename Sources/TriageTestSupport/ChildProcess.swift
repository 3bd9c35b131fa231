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

    /// ``run(_:_:timeout:)`` on the calling thread, which it blocks until the child exits: for
    /// synchronous contexts outside Swift concurrency only (a test trait's condition). The child is
    /// started with `posix_spawnp` (stdin `/dev/null`, output to temporary files) and waited for with
    /// `waitpid` on its own pid. Not Foundation's `Process`: its `waitUntilExit` never returned for
    /// `scripts/test-postgres.sh start` (the script exited and stayed a zombie, unreaped), and `swift
    /// test` hung on a machine where the test server was not running yet.
    /// - Throws: `POSIXError` when the child cannot be started or waited for.
    public static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
        let outPath = directory.appendingPathComponent("triage-child-\(UUID()).out").path
        let errPath = directory.appendingPathComponent("triage-child-\(UUID()).err").path
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let pid = try spawn(executable, arguments, stdout: outPath, stderr: errPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        }
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: exitStatus(status), stdout: stdout, stderr: stderr)
    }

    /// Starts `executable` (a path, or a name looked up on PATH) with this process's environment.
    private static func spawn(_ executable: String, _ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        closeInheritedDescriptors(&actions)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .ENOENT) }
        return pid
    }

    /// Closes every descriptor above 2 in the child. Without it the child inherits each descriptor the
    /// test process opened without `O_CLOEXEC` (Foundation's and many C libraries' are not), and a
    /// daemon it starts (`scripts/test-postgres.sh start` leaves PostgreSQL running) keeps them open
    /// for its whole life: a pipe whose reader waits for its end never gets it. glibc has
    /// `posix_spawn_file_actions_addclosefrom_np` since 2.34 but its header hides it from Swift, so it
    /// is looked up at run time; without it (older glibc) nothing is added. Darwin: the
    /// `POSIX_SPAWN_CLOEXEC_DEFAULT` attribute does the same, and is not needed by any caller yet.
    #if canImport(Darwin)
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t?) {}
    #else
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        // A nil handle is RTLD_DEFAULT: every library already loaded.
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
    #endif

    /// The exit code, or the signal number when a signal ended the child (`waitpid`'s status word).
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }
}
