import Foundation
import Logging
import Triage

extension HandlerRunner {
    /// Handles one change until it is done, superseded by a change with another digest, or the task is cancelled.
    func handle(_ submitted: consuming HandlerChange, in slot: ObjectSlot, firstSight: Bool, hooks: ChangeHooks) async {
        var change = submitted
        var logger = self.logger
        Self.describe(change.object, in: &logger.handler)
        if let prepare = hooks.prepare { await prepare(change) }
        var progress: ObjectProgress
        do {
            progress = try await store.load(change)
        } catch {
            logger.warning("triage.handlers.load failed", metadata: ["triage.error": "\(error)"])
            return
        }
        guard progress.lastHandled != change.digest else {
            logger.trace("triage.handlers.already handled")
            if let handled = hooks.handled { await handled(change) }
            return
        }
        if progress.handling == change.digest {
            if firstSight, change.cause != .delete { change.cause = .resume }
        } else {
            // Listed at start (an ADDED event) with a change made while no runner watched: an object handled
            // before is updated, not created (Kopf's reading of an offline change).
            if firstSight, change.cause == .create, progress.lastHandled != nil { change.cause = .update }
            progress = ObjectProgress(lastHandled: progress.lastHandled, handling: change.digest)
        }
        let leaves = self.leaves[change.cause]
        while !Task.isCancelled, takeNewest(&change, in: slot) {
            var due: Date?
            var checked = true
            for leaf in leaves {
                let stored = progress.handlers[leaf.id]
                if stored?.isFinished == true { continue }
                // takeNewest(_:in:) has just checked for the first leaf of the pass.
                if !checked, Task.isCancelled || supersedes(change, in: slot) { return }
                checked = false
                // Set on the change's logger and cleared after the leaf, rather than on a copy: a
                // logger's metadata is copied on write, and a copy per leaf was an allocation per change.
                logger[metadataKey: "triage.handler"] = .string(leaf.id)
                defer { logger[metadataKey: "triage.handler"] = nil }
                let current = stored ?? HandlerProgress(purpose: change.cause.rawValue)
                if let delayed = current.delayed, delayed > wallTime() {
                    due = min(due ?? delayed, delayed)
                    continue
                }
                let judgement: HandlerJudgement
                switch await attempt(leaf, change: change, progress: current, logger: logger) {
                case .judged(let verdict):
                    judgement = verdict
                case .interrupted(let started):
                    // Saved as not done (started kept, neither success nor failure, retries as they were):
                    // the next runner resumes the change and runs the attempt again.
                    progress.handlers[leaf.id] = started
                    updateParents(&progress)
                    await saveInterrupted(progress, for: change.object, logger: logger)
                    return
                }
                progress.handlers[leaf.id] = judgement.progress
                updateParents(&progress)
                if judgement.progress.isFinished, leaves.allSatisfy({ $0.id == leaf.id || progress.handlers[$0.id]?.isFinished == true }) {
                    // Recorded in the same save as the last verdict: one write per attempt.
                    progress.lastHandled = change.digest
                    progress.handling = nil
                }
                await publish(judgement, leaf: leaf, change: change, progress: progress, logger: logger)
                if let delayed = judgement.progress.delayed, !judgement.outcome.isFinal { due = min(due ?? delayed, delayed) }
            }
            guard let due else {
                // Every handler is done (or none is registered for this cause): the change is handled;
                // recorded here when no attempt of this pass recorded it.
                if progress.lastHandled != change.digest {
                    progress.lastHandled = change.digest
                    progress.handling = nil
                    do { try await store.save(progress, for: change.object) } catch {
                        logger.warning("triage.handlers.save failed", metadata: ["triage.error": "\(error)"])
                    }
                }
                if let handled = hooks.handled { await handled(change) }
                return
            }
            let seconds = max(0, due.timeIntervalSince(wallTime()))
            await wait(.nanoseconds(Int64(min(seconds, 9e9) * 1e9)), for: change, in: slot)
        }
    }

    /// What came of an attempt: a verdict, or the task was cancelled during it (the runner is stopping).
    private enum Attempted {
        case judged(HandlerJudgement)
        /// The handler's progress with the attempt's start: to be saved as not done.
        case interrupted(HandlerProgress)
    }

    /// One attempt of `leaf`, or the verdict that stops it before it runs; `.interrupted` when the task
    /// was cancelled during the attempt (no verdict: it is saved as not done, so it runs again).
    private func attempt(_ leaf: Handler, change: HandlerChange, progress: HandlerProgress, logger: Logger) async -> Attempted {
        var progress = progress
        let now = wallTime()
        if progress.started == nil { progress.started = now }
        if let refused = HandlerRules.admit(progress: progress, options: leaf.options, now: now) { return .judged(refused) }
        let context = HandlerContext(object: change.object, body: change.body, cause: change.cause, retry: progress.retries,
                                     started: progress.started ?? now, handlerID: leaf.id, logger: logger)
        logger.debug("triage.handlers.attempt", metadata: ["triage.retry": "\(progress.retries)", "triage.cause": "\(change.cause)"])
        let result = await invoke(leaf, context)
        if Task.isCancelled { return .interrupted(progress) }
        var random = SystemRandomNumberGenerator()
        return .judged(HandlerRules.judge(result, progress: progress, options: leaf.options, now: wallTime(), random: &random))
    }

    /// Saves the progress of an attempt cut short by cancellation. In a task of its own, which the
    /// cancellation does not reach: a store whose client honours it (an HTTP patch) would otherwise
    /// drop the write, and the next runner would start the change over (new start, cause `create`).
    /// A stopping runner waits for it at most ``interruptedSaveLimit`` (an API server that is slow or
    /// gone must not hold the shutdown for the store's whole retry deadline); then the save is
    /// cancelled and the next runner runs the attempt again from the progress saved before it.
    private func saveInterrupted(_ progress: ObjectProgress, for object: HandlerObject, logger: Logger) async {
        let store = self.store
        let saving = Task { try await store.save(progress, for: object) }
        let limit = Task {
            try await Task.sleep(for: Self.interruptedSaveLimit)
            saving.cancel()
        }
        defer { limit.cancel() }
        do { try await saving.value } catch {
            logger.warning("triage.handlers.save failed", metadata: ["triage.error": "\(error)"])
        }
    }

    /// How long a stopping runner waits to save an interrupted attempt's progress: 5 s.
    static var interruptedSaveLimit: Duration { .seconds(5) }

    /// Runs the body, cancelling it when ``HandlerOptions/attemptTimeout`` passes first.
    private func invoke(_ leaf: Handler, _ context: HandlerContext) async -> Result<Void, any Error> {
        guard let limit = leaf.options.attemptTimeout else {
            do { try await leaf.body(context); return .success(()) } catch { return .failure(error) }
        }
        let clock = self.clock
        return await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do { try await leaf.body(context); return .success(()) } catch { return .failure(error) }
            }
            group.addTask {
                do { try await clock.sleep(for: limit) } catch { return nil }
                return .failure(HandlerAttemptTimeout(limit: limit))
            }
            var outcome: Result<Void, any Error>?
            while outcome == nil, let next = await group.next() {
                outcome = next
            }
            group.cancelAll()
            return outcome ?? .failure(CancellationError())
        }
    }

    /// Reports the verdict, then saves the progress that records it (in that order: a runner killed in
    /// between runs the attempt again rather than leave the report stale).
    private func publish(_ judgement: HandlerJudgement, leaf: Handler, change: HandlerChange, progress: ObjectProgress, logger: Logger) async {
        let failed: Bool
        if case .failed = judgement.outcome { failed = true } else { failed = false }
        // Built only when it is logged: a success at the default level costs no strings.
        if failed || logger.logLevel <= .debug {
            var metadata: Logger.Metadata = ["triage.outcome": "\(judgement.outcome)", "triage.reason": "\(judgement.reason)"]
            if let kind = judgement.kind { metadata["triage.kind"] = "\(kind.id)" }
            if failed {
                logger.warning("triage.handlers.failed", metadata: metadata)
            } else {
                logger.debug("triage.handlers.verdict", metadata: metadata)
            }
        }
        do {
            try await reporter.report(HandlerReport(object: change.object, body: change.body, handlerID: leaf.id, cause: change.cause, judgement: judgement))
        } catch {
            logger.warning("triage.handlers.report failed", metadata: ["triage.error": "\(error)"])
        }
        do { try await store.save(progress, for: change.object) } catch {
            logger.warning("triage.handlers.save failed", metadata: ["triage.error": "\(error)"])
        }
    }

    /// Puts the object's namespace, name and uid into a logger's metadata: through one access to its
    /// handler, since each `Logger` subscript set checks the logger's storage for sharing on its own.
    private static func describe(_ object: HandlerObject, in handler: inout any LogHandler) {
        handler[metadataKey: "k8s.namespace"] = object.namespace.map { .string($0) }
        handler[metadataKey: "k8s.name"] = .string(object.name)
        handler[metadataKey: "k8s.uid"] = object.uid.map { .string($0) }
    }

    /// A parent's progress follows its children's: started with the first, success when all succeeded,
    /// failure when one failed.
    private func updateParents(_ progress: inout ObjectProgress) {
        for handler in handlers where !handler.children.isEmpty {
            let ids = handler.leaves.map(\.id)
            let children = ids.compactMap { progress.handlers[$0] }
            var parent = progress.handlers[handler.id] ?? HandlerProgress(purpose: nil)
            parent.subrefs = ids
            parent.started = children.compactMap(\.started).min()
            parent.failure = children.contains { $0.failure }
            parent.success = children.count == ids.count && children.allSatisfy { $0.success }
            parent.stopped = parent.isFinished ? children.compactMap(\.stopped).max() : nil
            progress.handlers[handler.id] = parent
        }
    }
}
