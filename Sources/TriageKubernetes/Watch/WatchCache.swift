import Triage
/// A change the supervisor applied to its cache: what a consumer replaying changes from an empty
/// cache needs to end with the same cache.
public struct WatchChange: Sendable, Hashable {
    public enum ChangeType: String, Sendable, Hashable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED"
    }

    public var type: ChangeType
    /// The object after the change (for DELETED, its last state).
    public var object: KubernetesObject
    /// The change came from comparing a fresh list with the cache, not from a watch event.
    public var fromList: Bool

    public init(type: ChangeType, object: KubernetesObject, fromList: Bool) {
        self.type = type
        self.object = object
        self.fromList = fromList
    }
}

/// The supervisor's local copy of the collection (client-go's store), keyed `namespace/name`.
///
/// Updated before each change is handed out, so a consumer that reads the cache from its handler
/// sees the change already applied. Readers may call it from any task.
public final class WatchCache: Sendable {
    /// A dictionary key: namespace and name apart, so that applying an event builds no string.
    struct Key: Hashable, Sendable {
        var namespace: String
        var name: String

        /// `namespace/name`, or `name` when cluster-scoped (names and namespaces hold no `/`).
        init(_ key: String) {
            if let slash = key.firstIndex(of: "/") {
                self.init(namespace: String(key[..<slash]), name: String(key[key.index(after: slash)...]))
            } else {
                self.init(namespace: "", name: key)
            }
        }

        init(namespace: String, name: String) {
            self.namespace = namespace
            self.name = name
        }
    }

    private let objects: LockedValue<ObjectTable>
    private let hashMask: UInt64

    public convenience init() { self.init(hashMask: .max) }

    /// `hashMask` 0 makes every key's hash collide in the table (for tests).
    init(hashMask: UInt64) {
        self.hashMask = hashMask
        objects = LockedValue(ObjectTable(hashMask: hashMask))
    }

    /// How many objects it holds.
    public var count: Int { objects.withLock { $0.count } }

    /// The object at `key` (`namespace/name`, or `name` when cluster-scoped).
    public func object(forKey key: String) -> KubernetesObject? {
        let key = Key(key)
        return objects.withLock { $0[key] }
    }

    /// Every object, sorted by namespace and name.
    public func snapshot() -> [KubernetesObject] {
        objects.withLock { $0.objects }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// Applies a watch event; returns the change, or `nil` for a BOOKMARK, an ERROR, or a DELETED of an
    /// object the cache does not hold. An ADDED of a known object is reported as MODIFIED, and a MODIFIED
    /// of an unknown one as ADDED, so replaying the changes always gives the cache.
    func apply(_ event: WatchEvent) -> WatchChange? {
        switch event {
        case .added(let object), .modified(let object):
            let previous = objects.withLock { $0.update(object) }
            return WatchChange(type: previous == nil ? .added : .modified, object: object, fromList: false)
        case .deleted(let object):
            let previous = objects.withLock { $0.remove(object.cacheKey) }
            return previous == nil ? nil : WatchChange(type: .deleted, object: object, fromList: false)
        case .bookmark, .error:
            return nil
        }
    }

    /// Readies the cache for `events`, about to be applied one by one: a chunk's keys are looked up
    /// together first (``ObjectTable/touchHomeSlots(of:)``), so that their cache misses overlap.
    func prepare(for events: [WatchEvent]) {
        objects.withLock { $0.touchHomeSlots(of: events) }
    }

    /// Replaces the contents with `items` (a fresh list) and returns the differences: ADDED for new
    /// keys, MODIFIED for a changed resourceVersion, DELETED for keys the list no longer has (ADDED and
    /// MODIFIED in the list's order, then the DELETED sorted by key). The old contents are released before this returns: the list's objects
    /// share their bytes with the cache, so the collection is held twice only while the diff runs.
    func replace(with items: [KubernetesObject]) -> [WatchChange] {
        var fresh = ObjectTable(minimumCapacity: items.count, hashMask: hashMask)
        for item in items { fresh.update(item) }
        let old = objects.withLock { objects in
            let old = objects
            objects = fresh
            return old
        }
        var changes: [WatchChange] = []
        for item in items {
            if let previous = old[item.cacheKey] {
                if previous.resourceVersion != item.resourceVersion {
                    changes.append(WatchChange(type: .modified, object: item, fromList: true))
                }
            } else {
                changes.append(WatchChange(type: .added, object: item, fromList: true))
            }
        }
        var gone = old.objects.filter { fresh[$0.cacheKey] == nil }
        gone.sort { $0.key < $1.key }
        changes += gone.map { WatchChange(type: .deleted, object: $0, fromList: true) }
        return changes
    }
}

extension KubernetesObject {
    /// The key of the cache's table: the namespace and name kept apart, so that no `namespace/name`
    /// string is built per event. (Here, not beside the object: the object's file is compiled into the
    /// fuzz target, which has no cache.)
    var cacheKey: WatchCache.Key { WatchCache.Key(namespace: namespace, name: name) }
}
