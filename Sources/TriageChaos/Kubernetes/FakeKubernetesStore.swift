import Foundation
import NIOConcurrencyHelpers

/// The fake API server's objects: collections keyed by their path, one resourceVersion counter for
/// all (as etcd's revision), an event log for watches, compaction, and list snapshots for pagination.
final class FakeKubernetesStore: Sendable {
    struct StoredObject: Sendable {
        var resourceVersion: Int
        var json: [String: any Sendable]
    }

    struct LoggedEvent: Sendable {
        var resourceVersion: Int
        var collection: String
        var type: String
        /// The event line, `{"type":...,"object":...}` and a newline.
        var line: [UInt8]
    }

    /// What a watcher is told.
    enum Signal: Sendable {
        /// An event of its collection.
        case event(LoggedEvent)
        /// A compaction expired the watch: end it with ERROR 410.
        case expire
        /// End the stream cleanly now, as at its timeout.
        case end
    }

    /// A watcher's callback.
    typealias Listener = @Sendable (Signal) -> Void

    struct State {
        var revision = 0
        var compacted = 0
        var collections: [String: [String: StoredObject]] = [:]
        var log: [LoggedEvent] = []
        var listeners: [Int: (collection: String, listener: Listener)] = [:]
        var nextListener = 0
        /// Pagination snapshots: the collection's sorted objects as of a revision.
        var snapshots: [String: [StoredObject]] = [:]
        var snapshotOrder: [String] = []
    }

    let state = NIOLockedValueBox(State())

    var revision: Int { state.withLockedValue { $0.revision } }
    var compactedRevision: Int { state.withLockedValue { $0.compacted } }

    /// Stores `object` (its `metadata.name` names it) in `collection`; `type` is the event to log.
    /// Returns the stored object with its new resourceVersion.
    @discardableResult
    func put(_ object: [String: any Sendable], in collection: String, namespace: String?, type: String) -> StoredObject {
        var metadata = object["metadata"] as? [String: any Sendable] ?? [:]
        let name = metadata["name"] as? String ?? ""
        let (stored, listeners, event) = state.withLockedValue { state -> (StoredObject, [Listener], LoggedEvent) in
            state.revision += 1
            metadata["resourceVersion"] = String(state.revision)
            if let namespace { metadata["namespace"] = namespace }
            if metadata["uid"] == nil { metadata["uid"] = "uid-\(state.revision)" }
            var json = object
            json["metadata"] = metadata
            let stored = StoredObject(resourceVersion: state.revision, json: json)
            state.collections[collection, default: [:]][name] = stored
            let event = LoggedEvent(resourceVersion: state.revision, collection: collection, type: type, line: Self.eventLine(type, json))
            state.log.append(event)
            return (stored, state.listeners.values.filter { $0.collection == collection }.map(\.listener), event)
        }
        for listener in listeners { listener(.event(event)) }
        return stored
    }

    /// Removes `name` from `collection`; returns the object as deleted (with a new resourceVersion).
    func remove(_ name: String, from collection: String) -> StoredObject? {
        let result = state.withLockedValue { state -> (StoredObject, [Listener], LoggedEvent)? in
            guard var stored = state.collections[collection]?.removeValue(forKey: name) else { return nil }
            state.revision += 1
            stored.resourceVersion = state.revision
            var metadata = stored.json["metadata"] as? [String: any Sendable] ?? [:]
            metadata["resourceVersion"] = String(state.revision)
            stored.json["metadata"] = metadata
            let event = LoggedEvent(resourceVersion: state.revision, collection: collection, type: "DELETED", line: Self.eventLine("DELETED", stored.json))
            state.log.append(event)
            return (stored, state.listeners.values.filter { $0.collection == collection }.map(\.listener), event)
        }
        guard let (stored, listeners, event) = result else { return nil }
        for listener in listeners { listener(.event(event)) }
        return stored
    }

    func object(_ name: String, in collection: String) -> StoredObject? {
        state.withLockedValue { $0.collections[collection]?[name] }
    }

    /// The collection sorted by name, and the revision it is at.
    func snapshot(of collection: String) -> (revision: Int, objects: [StoredObject]) {
        state.withLockedValue { state in
            let objects = (state.collections[collection] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
            return (state.revision, objects)
        }
    }

    /// Keeps a pagination snapshot under `token` (the last 16 are kept).
    func keepSnapshot(_ objects: [StoredObject], token: String) {
        state.withLockedValue { state in
            state.snapshots[token] = objects
            state.snapshotOrder.append(token)
            if state.snapshotOrder.count > 16 { state.snapshots[state.snapshotOrder.removeFirst()] = nil }
        }
    }

    func keptSnapshot(_ token: String) -> [StoredObject]? { state.withLockedValue { $0.snapshots[token] } }

    /// Forgets the event log up to now, as etcd's compaction does: watches and continue tokens from
    /// before it get 410 Expired. Open watches are told first (`nil`), so that `changes` made
    /// meanwhile reach no watch: a watcher can only learn of them by listing again. A watch that
    /// subscribed while `changes` ran started from a revision the compaction then removes: it is
    /// expired too (it could otherwise follow the changes and never list again).
    func compact(changes: () -> Void = {}) {
        let listeners = state.withLockedValue { state in
            let listeners = state.listeners.values.map(\.listener)
            state.listeners.removeAll()
            return listeners
        }
        for listener in listeners { listener(.expire) }
        changes()
        let latecomers = state.withLockedValue { state in
            state.compacted = state.revision
            state.log.removeAll()
            state.snapshots.removeAll()
            state.snapshotOrder.removeAll()
            let latecomers = state.listeners.values.map(\.listener)
            state.listeners.removeAll()
            return latecomers
        }
        for listener in latecomers { listener(.expire) }
    }

    /// The logged events of `collection` after `revision`, and a listener registered for later ones,
    /// atomically (no event is missed or sent twice). `nil` when `revision` is compacted.
    func subscribe(_ collection: String, after revision: Int, _ listener: @escaping Listener) -> (events: [LoggedEvent], id: Int)? {
        state.withLockedValue { state in
            if revision < state.compacted { return nil }
            let events = state.log.filter { $0.collection == collection && $0.resourceVersion > revision }
            state.nextListener += 1
            state.listeners[state.nextListener] = (collection, listener)
            return (events, state.nextListener)
        }
    }

    /// Ends every open watch cleanly, as their timeouts would.
    func endWatches() {
        let listeners = state.withLockedValue { $0.listeners.values.map(\.listener) }
        for listener in listeners { listener(.end) }
    }

    /// How many watches are open.
    var openWatches: Int { state.withLockedValue { $0.listeners.count } }

    func unsubscribe(_ id: Int) {
        _ = state.withLockedValue { $0.listeners.removeValue(forKey: id) }
    }

    static func eventLine(_ type: String, _ object: [String: any Sendable]) -> [UInt8] {
        var bytes = Array("{\"type\":\"\(type)\",\"object\":".utf8)
        bytes += json(object)
        bytes += Array("}\n".utf8)
        return bytes
    }

    static func json(_ object: Any) -> [UInt8] {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { [UInt8]($0) } ?? Array("{}".utf8)
    }
}
