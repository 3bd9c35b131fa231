import Triage
/// Everything a runner keeps for one object: which change was last handled, which is being handled,
/// and each handler's progress on it.
public struct ObjectProgress: Sendable, Hashable, Codable {
    /// The digest of the last change that was fully handled (``HandlerChange/digest``).
    public var lastHandled: String?
    /// The digest of the change being handled, when one is.
    public var handling: String?
    /// Each handler's progress on ``handling`` (or on ``lastHandled`` once it is done), by handler id.
    public var handlers: [String: HandlerProgress]

    public init(lastHandled: String? = nil, handling: String? = nil, handlers: [String: HandlerProgress] = [:]) {
        self.lastHandled = lastHandled
        self.handling = handling
        self.handlers = handlers
    }
}

/// Where a runner keeps progress, so that a restarted runner resumes instead of starting over.
///
/// ``HandlerRunner`` saves after every attempt, once, with everything it knows of the object.
public protocol HandlerProgressStore: Sendable {
    /// The progress of the change's object; empty when nothing was stored. A store that keeps progress
    /// in the object itself (annotations) reads it from `change.body`.
    func load(_ change: HandlerChange) async throws -> ObjectProgress
    /// Replaces the object's progress.
    func save(_ progress: ObjectProgress, for object: HandlerObject) async throws
    /// Drops what is kept of an object that is gone. Default: nothing (for a store whose progress goes
    /// with the object).
    func forget(_ object: HandlerObject) async throws
}

extension HandlerProgressStore {
    public func forget(_ object: HandlerObject) async throws {}
}

/// Progress in this process's memory: lost with it. For tests, and handlers whose progress need not survive.
public final class InMemoryProgressStore: HandlerProgressStore {
    private let objects = LockedValue<[StoreKey: ObjectProgress]>([:])

    public init() {}

    public func load(_ change: HandlerChange) async throws -> ObjectProgress {
        let key = StoreKey(change.object)
        return objects.withLock { $0[key] ?? ObjectProgress() }
    }

    public func save(_ progress: ObjectProgress, for object: HandlerObject) async throws {
        let key = StoreKey(object)
        objects.withLock { $0[key] = progress }
    }

    public func forget(_ object: HandlerObject) async throws {
        let key = StoreKey(object)
        _ = objects.withLock { $0.removeValue(forKey: key) }
    }

    /// Every object's progress, for tests.
    public var snapshot: [HandlerObject: ObjectProgress] {
        objects.withLock { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.object, $0.value) }) }
    }

    /// An object with its hash worked out once: the dictionary rehashes every key each time it grows,
    /// and then hashes one `Int` per key instead of its namespace, name and uid.
    private struct StoreKey: Hashable {
        let object: HandlerObject
        let hash: Int

        init(_ object: HandlerObject) {
            self.object = object
            hash = object.hashValue
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        static func == (left: StoreKey, right: StoreKey) -> Bool { left.hash == right.hash && left.object == right.object }
    }
}
