import ServiceLifecycle

extension WatchSupervisor: AsyncSequence {
    public typealias Element = WatchUpdate

    /// Iterates the supervisor's updates. The supervisor runs in a task of its own while the iterator
    /// lives, handing over one update at a time (a slow consumer slows the watch, nothing piles up);
    /// it stops when the iterator is dropped or the consuming task is cancelled.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let runner: Runner

        public mutating func next() async throws -> WatchUpdate? {
            let runner = self.runner
            return try await withTaskCancellationHandler {
                try await runner.handoff.next()
            } onCancel: {
                runner.stop()
            }
        }
    }

    /// Owns the running task; stops it when the iterator goes away.
    final class Runner: Sendable {
        let handoff = Handoff<WatchUpdate>()
        let task: Task<Void, Never>

        init(_ supervisor: WatchSupervisor) {
            let handoff = handoff
            task = Task {
                do {
                    try await supervisor.run { update in await handoff.send(update) }
                    handoff.finish()
                } catch {
                    handoff.finish(throwing: error)
                }
            }
        }

        func stop() {
            task.cancel()
            handoff.finish()
        }

        deinit { stop() }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(runner: Runner(self))
    }
}

extension WatchSupervisor: Service {
    /// Runs the supervisor as a service: updates go to `onUpdate` (when given); graceful shutdown ends it.
    public func run() async throws {
        let onUpdate = self.onUpdate
        try await cancelWhenGracefulShutdown {
            try await self.run { update in try await onUpdate?(update) }
        }
    }
}
