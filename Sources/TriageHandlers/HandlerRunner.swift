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
/// - No object waits behind another's attempt or delay: a worker handles one object at a time, and
///   another worker starts whenever objects wait and none is on its way to them.
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
    let leaves: LeavesByCause

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
        leaves = LeavesByCause(handlers)
    }

    /// Hands a change to the runner; returns at once. The object's worker takes the newest one; the
    /// object is queued for a worker only when none has it.
    public func submit(_ change: HandlerChange) {
        let key = change.object.runnerKey
        let (cancelled, dispatch): (Task<Void, any Error>?, (CheckedContinuation<Bool, Never>, Bool)?) = state.withLock { state in
            let slot = state.slot(for: key)
            slot.pending = change
            slot.forgotten = false
            if !slot.active {
                slot.active = true
                state.workers.enqueue(slot)
            }
            var cancelled: Task<Void, any Error>?
            if let wait = slot.wait, wait.digest != change.digest || wait.uid != change.object.uid {
                slot.wait = nil
                cancelled = wait.task
            }
            return (cancelled, state.workers.dispatch())
        }
        cancelled?.cancel()
        wakeDispatcher(dispatch)
    }

    /// Forgets an object that is gone: its pending change, its worker's wait (the worker stops after its
    /// attempt), its first-sight mark, its progress in the store, and what the reporter keeps of it.
    /// ``submitChanges(of:finalizer:)`` calls it for every DELETED event; without it a runner's memory
    /// grows with every object it has ever seen.
    public func forget(_ object: HandlerObject) async {
        let key = object.runnerKey
        let (wait, working): (Task<Void, any Error>?, Bool) = state.withLock { state in
            guard let slot = state.objects[key] else { return (nil, false) }
            let wait = slot.wait?.task
            slot.pending = nil
            slot.seen = false
            slot.wait = nil
            slot.forgotten = slot.active
            if slot.active { slot.dropWhenStopped = object }
            if slot.isEmpty { state.objects[key] = nil }
            return (wait, slot.active)
        }
        wait?.cancel()
        // A worker in an attempt would save its verdict after this: it forgets the object itself when
        // it stops (see work()), so nothing it writes outlives the object.
        if !working { await drop(object) }
    }

    /// Drops what the store and the reporter keep of a forgotten object.
    func drop(_ object: HandlerObject) async {
        do { try await store.forget(object) } catch {
            logger.warning("triage.handlers.forget failed", metadata: ["k8s.name": "\(object)", "triage.error": "\(error)"])
        }
        await reporter.forget(object)
    }

    /// Lets ``run()`` end: it returns once no worker is busy and no object waits for one. A change
    /// submitted before then is still handled (so a caller stops its watch first, then calls this).
    public func finish() {
        let dispatch = state.withLock { state in
            state.workers.finished = true
            return state.workers.dispatch()
        }
        wakeDispatcher(dispatch)
    }

    /// Handles submitted changes until ``finish()`` is called (and the workers are done) or the task is
    /// cancelled (workers stop after their attempt; an attempt cut short gets no verdict: its progress is
    /// saved as not done, its start kept and its retries as they were, so the next runner resumes it).
    public func run() async {
        await withDiscardingTaskGroup { group in
            while await nextWorker() {
                group.addTask { await self.work() }
            }
        }
        // Cancelled: what no worker took is left as a worker that stops would leave it.
        for slot in state.withLock({ $0.workers.drain() }) { await release(slot) }
    }
}
