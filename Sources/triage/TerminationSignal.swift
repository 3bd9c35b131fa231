import Foundation

/// Writes a line to standard output at once (unbuffered), so a pipe reader sees it while the command runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Waits for SIGINT or SIGTERM (or a time limit), for commands that serve until stopped.
enum TerminationSignal {
    /// Returns the signal received, or `nil` when `limit` (seconds) passed first.
    static func wait(limit: Double?) async -> Int32? {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "triage.signals")
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        let result: Int32? = await withCheckedContinuation { continuation in
            let once = Once(continuation)
            for source in sources {
                let number = Int32(source.handle)
                source.setEventHandler { once.resume(number) }
                source.resume()
            }
            if let limit {
                queue.asyncAfter(deadline: .now() + limit) { once.resume(nil) }
            }
        }
        for source in sources { source.cancel() }
        return result
    }

    /// Resumes a continuation at most once.
    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Int32?, Never>?

        init(_ continuation: CheckedContinuation<Int32?, Never>) { self.continuation = continuation }

        func resume(_ value: Int32?) {
            lock.lock()
            let pending = continuation
            continuation = nil
            lock.unlock()
            pending?.resume(returning: value)
        }
    }
}
