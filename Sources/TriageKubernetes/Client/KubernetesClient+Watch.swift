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
                var splitter = LineSplitter()
                for try await chunk in response.body {
                    var stop = false
                    try await splitter.feed(chunk) { line in
                        guard !stop else { return }
                        let event: WatchEvent
                        do {
                            event = try WatchEvent(line: line)
                        } catch let error as KubernetesDecodingError {
                            throw Triage.Failure(.responseMalformed, delivery: .processed, underlying: error, detail: error.message)
                        }
                        progress.count(event)
                        try await handle(event)
                        if case .error = event { stop = true }
                    }
                    if stop { break }
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

    func count(_ event: WatchEvent) {
        events += 1
        switch event {
        case .bookmark: bookmarks += 1
        case .error(let status): errorStatus = status
        default: break
        }
    }

    var summary: WatchStreamSummary { WatchStreamSummary(events: events, bookmarks: bookmarks, errorStatus: errorStatus) }
}

/// Splits a byte stream into lines (`\n`-terminated, `\r` trimmed, empty lines skipped).
struct LineSplitter {
    private var pending: [UInt8] = []
    /// The longest line accepted (16 MiB): a server that never sends a newline cannot fill memory.
    static let maximumLineLength = 16 << 20

    mutating func feed(_ chunk: ByteBuffer, _ line: ([UInt8]) async throws -> Void) async throws {
        var lines: [[UInt8]] = []
        chunk.withUnsafeReadableBytes { raw in
            var start = 0
            while let offset = raw[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var piece: [UInt8]
                if pending.isEmpty {
                    piece = Array(raw[start..<offset])
                } else {
                    piece = pending
                    piece.append(contentsOf: raw[start..<offset])
                    pending.removeAll(keepingCapacity: true)
                }
                if piece.last == UInt8(ascii: "\r") { piece.removeLast() }
                if !piece.isEmpty { lines.append(piece) }
                start = offset + 1
            }
            if start < raw.count { pending.append(contentsOf: raw[start...]) }
        }
        guard pending.count <= Self.maximumLineLength else {
            throw Triage.Failure(.responseMalformed, delivery: .processed, detail: "a watch line longer than 16 MiB")
        }
        for piece in lines { try await line(piece) }
    }
}
