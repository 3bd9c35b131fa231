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

/// Per handler cause, the handlers that do work for it (children expanded), in order. Read on every
/// change: a switch, not a dictionary lookup.
struct LeavesByCause: Sendable {
    private let create, update, delete, resume: [Handler]

    init(_ handlers: [Handler]) {
        func leaves(_ cause: HandlerCause) -> [Handler] { handlers.filter { $0.causes.contains(cause) }.flatMap(\.leaves) }
        (create, update, delete, resume) = (leaves(.create), leaves(.update), leaves(.delete), leaves(.resume))
    }

    subscript(cause: HandlerCause) -> [Handler] {
        switch cause {
        case .create: create
        case .update: update
        case .delete: delete
        case .resume: resume
        }
    }
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

/// The objects waiting for a worker, and the workers: a worker takes one object at a time and handles
/// its changes; a new worker is asked for whenever objects wait and no worker is on its way to take
/// one. So an object never waits behind another object's attempt or backoff (each object still gets a
/// worker of its own when the others are busy), while a burst of changes is drained by a few workers
/// instead of a task per object.
struct WorkerPool {
    /// Slots waiting for a worker, oldest first, from `head` on.
    private var queue: [ObjectSlot] = []
    private var head = 0
    /// Workers asked for that have not taken their first slot yet.
    private(set) var starting = 0
    /// Workers asked for and not ended.
    private(set) var alive = 0
    /// Workers asked for that ``HandlerRunner/run()`` has not started yet.
    private(set) var unstarted = 0
    /// ``HandlerRunner/finish()`` was called: ``HandlerRunner/run()`` returns when no worker is alive.
    var finished = false
    /// ``HandlerRunner/run()`` was cancelled: it starts no more workers.
    var cancelled = false
    /// ``HandlerRunner/run()`` waiting for a worker to start, or for the end.
    var dispatcher: CheckedContinuation<Bool, Never>?

    /// Queues `slot`, asking for a worker when none is on its way.
    mutating func enqueue(_ slot: ObjectSlot) {
        queue.append(slot)
        askIfNeeded()
    }

    /// The next waiting slot for a worker (`firstTake` for a worker's first), asking for another worker
    /// when more wait; `nil` when none waits or the worker is `cancelled`, and the worker ends.
    mutating func take(firstTake: Bool, cancelled: Bool) -> ObjectSlot? {
        if firstTake { starting -= 1 }
        guard !cancelled, head < queue.count else {
            alive -= 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: queue.count <= 4096)
                head = 0
            }
            return nil
        }
        let slot = queue[head]
        head += 1
        // Keeps the array from growing without bound under a steady trickle that never empties it.
        if head >= 1024, head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        askIfNeeded()
        return slot
    }

    /// Every waiting slot, taken out (the runner was cancelled).
    mutating func drain() -> [ObjectSlot] {
        defer { queue = []; head = 0 }
        return Array(queue[head...])
    }

    private mutating func askIfNeeded() {
        guard head < queue.count, starting == 0 else { return }
        starting += 1
        alive += 1
        unstarted += 1
    }

    /// The dispatcher to resume after the counts changed, and with what: `true` to start a worker,
    /// `false` to end ``HandlerRunner/run()``; `nil` when it is not waiting or has nothing to do.
    mutating func dispatch() -> (CheckedContinuation<Bool, Never>, Bool)? {
        guard let dispatcher else { return nil }
        let start: Bool
        if cancelled || (finished && alive == 0) {
            start = false
        } else if unstarted > 0 {
            unstarted -= 1
            start = true
        } else {
            return nil
        }
        self.dispatcher = nil
        return (dispatcher, start)
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
