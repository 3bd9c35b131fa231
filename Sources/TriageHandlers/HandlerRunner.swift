import Foundation
import Logging
import Triage

/// Runs handlers for changes of objects with Kopf's semantics: one attempt in flight per object, the
/// newest state is what runs, temporary errors retried after their delay, permanent ones given up on,
/// progress stored after every attempt so that a restarted runner resumes.
///
/// ```swift
/// let runner = HandlerRunner(handlers: [Handler(id: "provision") { context in try await provision(context) }],
///                            store: InMemoryProgressStore(), logger: logger)
/// async let running: Void = runner.run()
/// runner.submit(change)          // from a watch: every ADDED/MODIFIED event
/// ```
///
/// - A change whose digest equals the object's last handled one is not run again (after a restart either).
/// - A change submitted while the object's handler waits out a delay replaces the state that will run;
///   if its digest is the same, the wait goes on and the backoff is not raised (kubernetes #132805); if it
///   differs, the new change is handled at once with fresh progress.
/// - A success forgets the change's backoff; the next change starts at retry 0.
/// - Waits are slept on `clock`; times stored in progress come from `wallTime`, so they mean the same
///   after a restart.
public final class HandlerRunner<C: Clock>: Sendable where C.Duration == Duration {
    let handlers: [Handler]
    let store: any HandlerProgressStore
    let reporter: any HandlerReporter
    let clock: C
    let wallTime: @Sendable () -> Date
    let logger: Logger
    let state = LockedValue(RunnerState())
    /// Per handler cause, the handlers that do work for it (children expanded), in order.
    let leaves: [HandlerCause: [Handler]]
    let wakeups: AsyncStream<HandlerObject.Key>
    let wakeupSink: AsyncStream<HandlerObject.Key>.Continuation

    /// - Parameters:
    ///   - handlers: run for every change whose cause they list, in this order.
    ///   - store: where progress is kept.
    ///   - reporter: told of every verdict before its progress is saved. Default: none.
    ///   - clock: what waits are slept on.
    ///   - wallTime: the time written into progress. Default: the system's.
    public init(
        handlers: [Handler],
        store: any HandlerProgressStore,
        reporter: any HandlerReporter = SilentHandlerReporter(),
        clock: C,
        wallTime: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.handlers = handlers
        self.store = store
        self.reporter = reporter
        self.clock = clock
        self.wallTime = wallTime
        self.logger = logger
        leaves = Dictionary(uniqueKeysWithValues: HandlerCause.allCases.map { cause in
            (cause, handlers.filter { $0.causes.contains(cause) }.flatMap(\.leaves))
        })
        (wakeups, wakeupSink) = AsyncStream<HandlerObject.Key>.makeStream()
    }

    /// Hands a change to the runner; returns at once. The object's worker takes the newest one; a
    /// worker is woken only when none runs for the object.
    public func submit(_ change: HandlerChange) {
        let key = change.object.runnerKey
        let submitted: Submitted = state.withLock { state in
            Self.update(&state.objects[key, default: ObjectSlot()]) { slot in
                slot.pending = change
                slot.forgotten = false
                let wake = !slot.active
                slot.active = true
                guard let wait = slot.wait, wait.digest != change.digest else { return Submitted(cancelled: nil, wake: wake) }
                slot.wait = nil
                return Submitted(cancelled: wait.task, wake: wake)
            }
        }
        submitted.cancelled?.cancel()
        if submitted.wake { wakeupSink.yield(key) }
    }

    /// Forgets an object that is gone: its pending change, its worker's wait (the worker stops after its
    /// attempt), its first-sight mark, its progress in the store, and what the reporter keeps of it.
    /// ``submitChanges(of:finalizer:)`` calls it for every DELETED event; without it a runner's memory
    /// grows with every object it has ever seen.
    public func forget(_ object: HandlerObject) async {
        let key = object.runnerKey
        let wait: Task<Void, any Error>? = state.withLock { state in
            guard var slot = state.objects[key] else { return nil }
            let wait = slot.wait?.task
            slot.pending = nil
            slot.seen = false
            slot.wait = nil
            slot.forgotten = slot.active
            state.objects[key] = slot.isEmpty ? nil : slot
            return wait
        }
        wait?.cancel()
        do { try await store.forget(object) } catch {
            logger.warning("triage.handlers.forget failed", metadata: ["k8s.name": "\(object)", "triage.error": "\(error)"])
        }
        await reporter.forget(object)
    }

    /// Stops taking changes: ``run()`` returns once every object's worker is idle.
    public func finish() {
        wakeupSink.finish()
    }

    /// Handles submitted changes until ``finish()`` is called (and the workers are done) or the task is
    /// cancelled (workers stop after their attempt; an attempt cut short is not recorded, so it runs again).
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await key in wakeups {
                group.addTask { await self.work(key) }
            }
        }
    }

    /// Takes the object's changes, newest first, until none is pending. One lock per change taken:
    /// the change, whether it is the object's first sight, and the hooks come out together.
    private func work(_ key: HandlerObject.Key) async {
        while true {
            let cancelled = Task.isCancelled
            let next: Taken? = state.withLock { state in
                let hooks = state.hooks
                return Self.update(&state.objects[key, default: ObjectSlot()]) { slot in
                    guard !cancelled, let change = slot.pending else {
                        slot.active = false
                        slot.forgotten = false
                        return nil
                    }
                    slot.pending = nil
                    defer { slot.seen = true }
                    return Taken(change: change, firstSight: !slot.seen, hooks: hooks)
                }
            }
            guard let next else {
                state.withLock { state in
                    if state.objects[key]?.isEmpty == true { state.objects[key] = nil }
                }
                return
            }
            await handle(next.change, firstSight: next.firstSight, hooks: next.hooks)
        }
    }

    /// Runs `body` on a slot in place (one hash lookup for the whole update).
    private static func update<T>(_ slot: inout ObjectSlot, _ body: (inout ObjectSlot) -> T) -> T {
        body(&slot)
    }

    /// `true` when a change with another digest waits for this object (it wins over the one being
    /// handled), or the object was forgotten.
    func supersedes(_ change: HandlerChange) -> Bool {
        state.withLock { state in
            guard let slot = state.objects[change.object.runnerKey] else { return false }
            if slot.forgotten { return true }
            guard let newer = slot.pending else { return false }
            return newer.digest != change.digest
        }
    }

    /// The state of `change` the next pass runs: a pending change with the same digest is taken (its
    /// state is newer); `nil` when the change is superseded (see ``supersedes(_:)``).
    func newest(_ change: HandlerChange) -> HandlerChange? {
        state.withLock { state in
            let key = change.object.runnerKey
            guard var slot = state.objects[key] else { return change }
            if slot.forgotten { return nil }
            guard let newer = slot.pending else { return change }
            guard newer.digest == change.digest else { return nil }
            slot.pending = nil
            state.objects[key] = slot
            return HandlerChange(object: newer.object, body: newer.body, cause: change.cause, digest: change.digest)
        }
    }

    /// Sleeps `duration` on the clock, or less when a change with another digest arrives.
    func wait(_ duration: Duration, for change: HandlerChange) async {
        let clock = self.clock
        let key = change.object.runnerKey
        let task: Task<Void, any Error>? = state.withLock { state in
            // Checked under the lock that submit() takes: a change that came in before the wait is
            // registered cuts it short too.
            if let newer = state.objects[key]?.pending, newer.digest != change.digest { return nil }
            let task = Task { try await clock.sleep(for: duration) }
            state.objects[key, default: ObjectSlot()].wait = (change.digest, task)
            return task
        }
        guard let task else { return }
        await withTaskCancellationHandler {
            _ = try? await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { state in
            if state.objects[key]?.wait?.task == task { state.objects[key]?.wait = nil }
        }
    }
}

/// A ``HandlerRunner``'s state behind its lock. Outside the generic class, so that no generic
/// metadata is made at run time on the hot path.
struct RunnerState {
    /// What the runner knows of each object, in one place so that each step is one lookup.
    var objects: [HandlerObject.Key: ObjectSlot] = [:]
    var hooks = ChangeHooks()
}

/// One object's place in a ``HandlerRunner``.
struct ObjectSlot {
    /// The newest change not yet taken by the object's worker.
    var pending: HandlerChange?
    /// A worker runs for the object (set by ``HandlerRunner/submit(_:)`` when it wakes one).
    var active = false
    /// Seen since the runner started (the first sight of an unfinished change is a resume).
    var seen = false
    /// The worker's wait, cancelled when a change with another digest arrives.
    var wait: (digest: String, task: Task<Void, any Error>)?
    /// Forgotten while its worker ran: the worker stops after its attempt.
    var forgotten = false

    var isEmpty: Bool { pending == nil && !active && !seen && wait == nil }
}

/// What a ``HandlerRunner`` does around a change besides running its handlers; set by
/// ``HandlerRunner/submitChanges(of:finalizer:)`` to hold deletions with a finalizer.
struct ChangeHooks: Sendable {
    /// Before a change's handlers are considered, also when it turns out handled already.
    var prepare: @Sendable (HandlerChange) async -> Void = { _ in }
    /// Once a change is handled, also when it was found handled already.
    var handled: @Sendable (HandlerChange) async -> Void = { _ in }
}

/// What ``HandlerRunner/submit(_:)`` decided under the lock: a wait to cut short, a worker to wake.
struct Submitted {
    var cancelled: Task<Void, any Error>?
    var wake: Bool
}

/// A change a worker took, with whether it is the object's first sight and the hooks to run.
struct Taken {
    var change: HandlerChange
    var firstSight: Bool
    var hooks: ChangeHooks
}
