#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TriageOutbox

/// A `flock` on a file beside the database: held shared by every delivering process, taken exclusively to
/// learn that no other one runs.
final class RunnerLock: Sendable {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutboxError(.storeUnavailable, "cannot open \(path): errno \(errno)") }
    }

    /// Takes the lock exclusively if nobody holds it; `false` otherwise.
    func tryExclusive() -> Bool { flock(descriptor, LOCK_EX | LOCK_NB) == 0 }

    /// Holds the lock shared (waiting out another process's short exclusive hold).
    func share() async throws {
        for _ in 0..<500 {
            if flock(descriptor, LOCK_SH | LOCK_NB) == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw OutboxError(.storeUnavailable, "the runners' lock stayed held exclusively for 5 s")
    }

    /// Drops the lock (closing the descriptor).
    func release() { _ = close(descriptor) }
}
