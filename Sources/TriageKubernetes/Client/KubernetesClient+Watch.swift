import AsyncHTTPClient
import Logging
import NIOCore
import Triage
import TriageHTTP

/// How one watch stream went, when it ended without a transport error.
public struct WatchStreamSummary: Sendable, Hashable {
    /// Events handed out (ADDED, MODIFIED, DELETED, BOOKMARK and ERROR).
    public var events: Int
    /// BOOKMARK events among them.
    public var bookmarks: Int
    /// The ERROR event's `Status` that ended the stream, when one did.
    public var errorStatus: KubernetesStatus?
}

/// A watch stream cut by a transport failure after `events` events: the failure and what came before it.
public struct WatchStreamCut: Error, Sendable {
    public var failure: Triage.Failure
    public var events: Int
    public var bookmarks: Int
}

extension KubernetesClient {
    /// Opens one watch of the collection at `path` and hands each event to `handle` in order, until the
    /// server ends the stream (returns), an ERROR event arrives (handed out, then returns), or the
    /// stream breaks (throws ``WatchStreamCut``). A failure before the response (a refused connection, a
    /// 410 or 401 answer) throws a ``Triage/Failure``. The request is sent once: retrying is the
    /// caller's (``WatchSupervisor``'s) job.
    ///
    /// - Parameters:
    ///   - resourceVersion: where to start (`nil` or `""`: the server's choice, "any").
    ///   - timeoutSeconds: `timeoutSeconds` asked of the server (`nil`: its default).
    ///   - allowBookmarks: ask for BOOKMARK events (`allowWatchBookmarks=true`, default `true`).
    ///   - onResponse: called when the response head (a 2xx) arrives, before any event.
    public func watch(
        _ path: String,
        resourceVersion: String?,
        timeoutSeconds: Int? = nil,
        allowBookmarks: Bool = true,
        labelSelector: String? = nil,
        fieldSelector: String? = nil,
        logger: Logger? = nil,
        onResponse: @escaping @Sendable () -> Void = {},
        _ handle: @escaping @Sendable (WatchEvent) async throws -> Void
    ) async throws -> WatchStreamSummary {
        try await watchChunks(path, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, allowBookmarks: allowBookmarks,
                              labelSelector: labelSelector, fieldSelector: fieldSelector, logger: logger, onResponse: onResponse) { batch in
            for event in batch.events { try await handle(event) }
        }
    }

    /// ``watch(_:resourceVersion:timeoutSeconds:allowBookmarks:labelSelector:fieldSelector:logger:onResponse:_:)``
    /// handing out the events of each chunk of the body together, in order, so that a consumer pays its
    /// bookkeeping (a clock reading, a lock, the count of bookmarks) once per chunk rather than once per event.
    func watchChunks(
        _ path: String,
        resourceVersion: String?,
        timeoutSeconds: Int?,
        allowBookmarks: Bool,
        labelSelector: String?,
        fieldSelector: String? = nil,
        logger: Logger?,
        onResponse: @escaping @Sendable () -> Void,
        _ handle: @escaping @Sendable (WatchBatch) async throws -> Void
    ) async throws -> WatchStreamSummary {
        var query: [(String, String)] = [("watch", "true")]
        if let resourceVersion, !resourceVersion.isEmpty { query.append(("resourceVersion", resourceVersion)) }
        if let timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
        if allowBookmarks { query.append(("allowWatchBookmarks", "true")) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let request = self.request(.GET, path, query: query)
        let progress = WatchProgress()
        do {
            return try await singleAttempt.execute(request, logger: logger) { response in
                progress.sawHead = true
                onResponse()
                var reader = WatchLineReader()
                var batch = WatchBatch()
                for try await chunk in response.body {
                    batch.removeAll()
                    let malformed = try reader.read(chunk, into: &batch)
                    if !batch.isEmpty {
                        progress.count(batch)
                        try await handle(batch)
                    }
                    if let malformed {
                        throw Triage.Failure(.responseMalformed, delivery: .processed, underlying: malformed, detail: malformed.message)
                    }
                    if batch.endsStream { break }
                }
                return progress.summary
            }
        } catch let failure as Triage.Failure where progress.events > 0 || progress.sawHead {
            throw WatchStreamCut(failure: failure, events: progress.events, bookmarks: progress.bookmarks)
        }
    }
}

/// Counts what a stream carried (written by the one reading task; a class so the retry closure can share it).
final class WatchProgress: @unchecked Sendable {
    // Only the task reading the stream touches these, one event after another.
    var events = 0
    var bookmarks = 0
    var sawHead = false
    var errorStatus: KubernetesStatus?

    /// Counts a chunk's events at once: one access to each stored property per chunk.
    func count(_ batch: WatchBatch) {
        events += batch.events.count
        bookmarks += batch.bookmarks
        if let status = batch.errorStatus { errorStatus = status }
    }

    var summary: WatchStreamSummary { WatchStreamSummary(events: events, bookmarks: bookmarks, errorStatus: errorStatus) }
}
