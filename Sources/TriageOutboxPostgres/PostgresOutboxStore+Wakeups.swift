import PostgresNIO
import TriageOutbox

extension PostgresOutboxStore {
    /// Yields whenever an enqueue or a release commits anywhere on the database: `LISTEN triage_outbox`
    /// on a pooled connection of its own, listened on again half a second after it is lost. It also
    /// yields each time listening starts, because what was notified while nobody listened is gone.
    public func wakeups() -> AsyncStream<Void> {
        AsyncStream { continuation in
            let task = Task {
                while !Task.isCancelled {
                    do {
                        try await client.withConnection { connection in
                            try await connection.listen(on: PostgresOutboxSchema.channel) { notifications in
                                continuation.yield()
                                for try await _ in notifications { continuation.yield() }
                            }
                        }
                    } catch {
                        if Task.isCancelled { break }
                        logger.debug("outbox postgres listen lost", metadata: ["triage.error": "\(Self.describe(error))"])
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
