import Foundation
import Testing
import Triage
import TriageChaos
import TriageTestSupport

/// Child processes: output and status, and no child left running after a timeout or a cancellation.
@Suite struct ChildProcessTests {
    @Test func statusAndBothStreamsComeBack() async throws {
        let result = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
        #expect(try await ChildProcess.run("true", []).status == 0)
    }

    /// A shell that writes its pid to a file, then becomes `sleep 30`.
    static func sleeper() -> (arguments: [String], pidFile: String) {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("triage-child-\(UUID()).pid").path
        return (["-c", "echo $$ > \(pidFile); exec sleep 30"], pidFile)
    }

    static func pid(in file: String) async throws -> pid_t {
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return pid }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CancellationError()
    }

    /// `kill(pid, 0)` fails with ESRCH once the child is gone and reaped.
    static func isGone(_ pid: pid_t) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }

    @Test func aChildPastItsTimeoutIsStopped() async throws {
        let (arguments, pidFile) = Self.sleeper()
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let started = ContinuousClock.now
        await #expect(throws: ChildProcess.Timeout.self) {
            try await ChildProcess.run("/bin/sh", arguments, timeout: .milliseconds(500))
        }
        #expect(ContinuousClock.now - started < .seconds(20), "safety net: it ran to the end of sleep 30")
        #expect(Self.isGone(try await Self.pid(in: pidFile)))
    }

    @Test func cancellingTheAwaitingTaskStopsTheChild() async throws {
        let (arguments, pidFile) = Self.sleeper()
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let task = Task { try await ChildProcess.run("/bin/sh", arguments) }
        let pid = try await Self.pid(in: pidFile)
        task.cancel()
        _ = await task.result
        #expect(Self.isGone(pid))
    }

    /// `runBlocking` after `run` (swift-subprocess) in the same process: Foundation's `Process` waited
    /// for the exit forever there, its child left a zombie (`swift test` hung on a fresh machine, where
    /// the PostgreSQL suites start their server with it). The wait runs on a thread of its own so that
    /// a hang fails the test after 30 s instead of hanging the suite.
    @Test func runBlockingReturnsAfterSubprocessRan() async throws {
        #expect(try await ChildProcess.run("/bin/sh", ["-c", "exit 0"]).status == 0)
        let finished = DispatchSemaphore(value: 0)
        let result = LockedValue<ChildProcess.Result?>(nil)
        Thread.detachNewThread {
            let outcome = try? ChildProcess.runBlocking("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
            result.withLock { $0 = outcome }
            finished.signal()
        }
        let returned = try await offPool { finished.wait(timeout: .now() + 30) == .success }
        #expect(returned, "runBlocking did not return within 30 s")
        let outcome = result.withLock { $0 }
        #expect(outcome?.status == 3)
        #expect(outcome?.stdout == "out\n")
        #expect(outcome?.stderr == "err\n")
    }

    /// A descriptor the test process holds without `O_CLOEXEC` is not open in a `runBlocking` child: a
    /// daemon started that way (PostgreSQL, by the test suites' trait) would hold it for its whole life.
    @Test func runBlockingChildrenInheritNoDescriptorAboveStderr() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(fcntl(ends[1], F_GETFD) & FD_CLOEXEC == 0, "the pipe must be inheritable for this test to mean anything")
        let inherited = ends[1]
        let result = try await offPool {
            try ChildProcess.runBlocking("/bin/sh", ["-c", "test -e /proc/self/fd/\(inherited) && echo open || echo closed"])
        }
        #expect(result.stdout == "closed\n")
    }
}
