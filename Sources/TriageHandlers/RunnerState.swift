/// A ``HandlerRunner``'s state behind its lock. Outside the generic class, so that no generic
/// metadata is made at run time on the hot path.
struct RunnerState {
    /// What the runner knows of each object, in one place so that each step is one lookup.
    var objects: [HandlerObject.Key: ObjectSlot] = [:]
    var hooks = ChangeHooks()
    var workers = WorkerPool()

    /// The object's slot, made when it has none: one hash of the key either way.
    mutating func slot(for key: HandlerObject.Key) -> ObjectSlot {
        Self.existing(&objects[key, default: ObjectSlot(key: key)])
    }

    private static func existing(_ slot: inout ObjectSlot) -> ObjectSlot { slot }
}

/// One object's place in a ``HandlerRunner``. A reference, so that the worker that holds it reaches it
/// without hashing the key again; only read and written under the runner's lock.
final class ObjectSlot: @unchecked Sendable {
    let key: HandlerObject.Key
    /// The newest change not yet taken by the object's worker.
    var pending: HandlerChange?
    /// Queued for a worker or taken by one (set by ``HandlerRunner/submit(_:)`` when it queues the slot).
    var active = false
    /// Seen since the runner started (the first sight of an unfinished change is a resume).
    var seen = false
    /// The worker's wait, cancelled when a change with another digest arrives.
    var wait: (digest: String, uid: String?, task: Task<Void, any Error>)?
    /// Forgotten while its worker ran: the worker stops after its attempt.
    var forgotten = false
    /// The object forgotten while its worker ran: the worker drops its progress when it stops (a
    /// verdict saved after ``HandlerRunner/forget(_:)`` must not outlive the object).
    var dropWhenStopped: HandlerObject?

    init(key: HandlerObject.Key) {
        self.key = key
    }

    var isEmpty: Bool { pending == nil && !active && !seen && wait == nil }

    /// `true` when a change with another digest waits (it wins over `change`), or the object was forgotten.
    func supersedes(_ change: HandlerChange) -> Bool {
        if forgotten { return true }
        guard let newer = pending else { return false }
        return newer.digest != change.digest || newer.object.uid != change.object.uid
    }
}

/// What a ``HandlerRunner`` does around a change besides running its handlers; set by
/// ``HandlerRunner/submitChanges(of:finalizer:)`` to hold deletions with a finalizer.
/// Both `nil` by default: a runner without them makes no call per change.
struct ChangeHooks: Sendable {
    /// Before a change's handlers are considered, also when it turns out handled already.
    var prepare: (@Sendable (HandlerChange) async -> Void)?
    /// Once a change is handled, also when it was found handled already.
    var handled: (@Sendable (HandlerChange) async -> Void)?
}

/// A change a worker took, with whether it is the object's first sight and the hooks to run.
struct Taken {
    var change: HandlerChange
    var firstSight: Bool
    var hooks: ChangeHooks
}
