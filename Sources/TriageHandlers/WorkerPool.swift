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
    private var starting = 0
    /// Workers asked for and not ended.
    private var alive = 0
    /// Workers asked for that ``HandlerRunner/run()`` has not started yet.
    private var unstarted = 0
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
        // Checked before the continuation is touched: most calls (every submit, every take) have
        // nothing to wake, and should cost no copy of it.
        let end = cancelled || (finished && alive == 0)
        guard end || unstarted > 0, let dispatcher = dispatcher.take() else { return nil }
        if !end { unstarted -= 1 }
        return (dispatcher, !end)
    }
}
