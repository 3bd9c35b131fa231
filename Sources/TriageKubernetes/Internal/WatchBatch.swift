import Triage

/// The events of one chunk of a watch body, in order, with what the bookkeeping of the client and the
/// supervisor needs of them counted as they were read, so that no one walks the events again for it.
struct WatchBatch: Sendable {
    private(set) var events: [WatchEvent] = []
    /// BOOKMARK events among ``events``.
    private(set) var bookmarks = 0
    /// The ERROR event's `Status`, when one ended the batch (and so the stream).
    private(set) var errorStatus: KubernetesStatus?

    var isEmpty: Bool { events.isEmpty }

    /// The stream ends after this batch: it holds an ERROR event (always its last, as reading stops there).
    var endsStream: Bool { errorStatus != nil }
    /// The ADDED, MODIFIED and DELETED events: neither the bookmarks nor the ERROR that ends the stream.
    var changes: Int { events.count - bookmarks - (endsStream ? 1 : 0) }

    /// The last non-empty resourceVersion the events move the stream to; `nil` when none does.
    /// Computed when asked (once per chunk), from the end: one string copied, not one per event.
    var resourceVersion: String? {
        for event in events.reversed() {
            if let version = event.resourceVersion, !version.isEmpty { return version }
        }
        return nil
    }

    mutating func append(_ event: WatchEvent) {
        switch event {
        case .bookmark: bookmarks += 1
        case .error(let status): errorStatus = status
        case .added, .modified, .deleted: break
        }
        events.append(event)
    }

    /// Empties it for the next chunk, keeping the events' storage.
    mutating func removeAll() {
        events.removeAll(keepingCapacity: true)
        bookmarks = 0
        errorStatus = nil
    }
}
