import Foundation
import UnixSignals

/// Writes a line to standard output at once (unbuffered), so a pipe reader sees it while the command runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// SIGINT and SIGTERM for commands that serve until stopped, through swift-service-lifecycle's
/// `UnixSignalsSequence`: make it (which traps both signals) before announcing the address, then
/// ``wait(limit:)``.
struct TerminationSignal: Sendable {
    private let signals: UnixSignalsSequence

    init() async {
        signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    }

    /// Returns the signal received (its number), or `nil` when `limit` (seconds) passed first.
    func wait(limit: Double?) async -> Int32? {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await signal in signals { return signal.rawValue }
                return nil
            }
            if let limit {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(Int64(limit * 1000)))
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
