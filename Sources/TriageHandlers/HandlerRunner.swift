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
    let hooks = LockedValue(ChangeHooks())
    let wakeups: AsyncStream<String>
    let wakeupSink: AsyncStream<String>.Continuation

    struct RunnerState {
        /// The newest change not yet taken by the object's worker, by object key.
        var pending: [String: HandlerChange] = [:]
        /// Objects whose worker is running.
        var active: Set<String> = []
        /// Objects seen since the runner started (the first sight of an unfinished change is a resume).
        var seen: Set<String> = []
        /// A worker's wait, cancelled when a change with another digest arrives.
        var waits: [String: (digest: String, task: Task<Void, any Error>)] = [:]
        /// Objects forgotten while their worker ran: it stops after its attempt.
        var forgotten: Set<String> = []
    }

    /// What the runner does around a change besides running its handlers; set by
    /// ``submitChanges(of:finalizer:)`` to hold deletions with a finalizer.
    struct ChangeHooks: Sendable {
        /// Before a change's handlers are considered, also when it turns out handled already.
        var prepare: @Sendable (HandlerChange) async -> Void = { _ in }
        /// Once a change is handled, also when it was found handled already.
        var handled: @Sendable (HandlerChange) async -> Void = { _ in }
    }

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
        (wakeups, wakeupSink) = AsyncStream<String>.makeStream()
    }

    /// Hands a change to the runner; returns at once. The object's worker takes the newest one.
    public func submit(_ change: HandlerChange) {
        let key = change.object.key
        let wait: Task<Void, any Error>? = state.withLock { state in
            state.pending[key] = change
            state.forgotten.remove(key)
            guard let wait = state.waits[key], wait.digest != change.digest else { return nil }
            state.waits[key] = nil
            return wait.task
        }
        wait?.cancel()
        wakeupSink.yield(key)
    }

    /// Forgets an object that is gone: its pending change, its worker's wait (the worker stops after its
    /// attempt), its first-sight mark, its progress in the store, and what the reporter keeps of it.
    /// ``submitChanges(of:finalizer:)`` calls it for every DELETED event; without it a runner's memory
    /// grows with every object it has ever seen.
    public func forget(_ object: HandlerObject) async {
        let key = object.key
        let wait: Task<Void, any Error>? = state.withLock { state in
            state.pending[key] = nil
            state.seen.remove(key)
            if state.active.contains(key) { state.forgotten.insert(key) }
            return state.waits.removeValue(forKey: key)?.task
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
                let start = state.withLock { state in state.active.insert(key).inserted }
                guard start else { continue }
                group.addTask { await self.work(key) }
            }
        }
    }

    /// Takes the object's changes, newest first, until none is pending.
    private func work(_ key: String) async {
        while !Task.isCancelled {
            let change: HandlerChange? = state.withLock { state in
                guard let change = state.pending.removeValue(forKey: key) else {
                    state.active.remove(key)
                    state.forgotten.remove(key)
                    return nil
                }
                return change
            }
            guard let change else { return }
            await handle(change)
        }
        _ = state.withLock { $0.active.remove(key) }
    }

    /// `true` when a change with another digest waits for this object (it wins over the one being
    /// handled), or the object was forgotten.
    func supersedes(_ change: HandlerChange) -> Bool {
        state.withLock { state in
            if state.forgotten.contains(change.object.key) { return true }
            guard let newer = state.pending[change.object.key] else { return false }
            return newer.digest != change.digest
        }
    }

    /// Takes a pending change with the same digest: its newer state is what the next attempt runs.
    func newest(_ change: HandlerChange) -> HandlerChange {
        state.withLock { state in
            guard let newer = state.pending[change.object.key], newer.digest == change.digest else { return change }
            state.pending[change.object.key] = nil
            return HandlerChange(object: newer.object, body: newer.body, cause: change.cause, digest: change.digest)
        }
    }

    /// Sleeps `duration` on the clock, or less when a change with another digest arrives.
    func wait(_ duration: Duration, for change: HandlerChange) async {
        let clock = self.clock
        let key = change.object.key
        let task: Task<Void, any Error>? = state.withLock { state in
            // Checked under the lock that submit() takes: a change that came in before the wait is
            // registered cuts it short too.
            if let newer = state.pending[key], newer.digest != change.digest { return nil }
            let task = Task { try await clock.sleep(for: duration) }
            state.waits[key] = (change.digest, task)
            return task
        }
        guard let task else { return }
        await withTaskCancellationHandler {
            _ = try? await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { state in
            if state.waits[key]?.task == task { state.waits[key] = nil }
        }
    }
}
