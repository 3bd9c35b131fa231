import Foundation

/// Writes a line to standard output at once (unbuffered), so a pipe reader sees it while the command runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Catches SIGINT and SIGTERM from the moment it is made, for commands that serve until stopped:
/// make it before announcing the address, then ``wait(limit:)``.
final class TerminationSignal: @unchecked Sendable {
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "triage.signals")
    private var sources: [any DispatchSourceSignal] = []
    private var received: Int32?
    private var done = false
    private var continuation: CheckedContinuation<Int32?, Never>?

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.finish(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Returns the signal received, or `nil` when `limit` (seconds) passed first.
    func wait(limit: Double?) async -> Int32? {
        if let limit {
            queue.asyncAfter(deadline: .now() + limit) { [weak self] in self?.finish(nil) }
        }
        let result: Int32? = await withCheckedContinuation { continuation in
            lock.lock()
            if done {
                lock.unlock()
                continuation.resume(returning: received)
            } else {
                self.continuation = continuation
                lock.unlock()
            }
        }
        for source in sources { source.cancel() }
        return result
    }

    private func finish(_ signal: Int32?) {
        lock.lock()
        guard !done else { return lock.unlock() }
        done = true
        received = signal
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: signal)
    }
}
