import Foundation
import Logging
import TriageKubernetes

extension HandlerChange {
    /// The change a watch reports: ADDED is `create`, MODIFIED `update`; `nil` for DELETED (an object
    /// that is gone cannot be handled: deletion is handled through a ``KubernetesFinalizer``) and for
    /// objects that are not JSON objects.
    public init?(_ change: WatchChange) {
        guard change.type != .deleted, let digest = HandlerChange.digest(of: change.object.json) else { return nil }
        self.init(object: HandlerObject(change.object), body: change.object.json, cause: change.type == .added ? .create : .update, digest: digest)
    }

    /// The `delete` change of an object being deleted that still holds `finalizer`; `nil` otherwise.
    /// Its digest is the object's uid: every state of one deletion is one change, however often the
    /// object is modified while it is handled.
    init?(deleting change: WatchChange, finalizer: KubernetesFinalizer) {
        let standing = KubernetesFinalizer.standing(of: change.object.json)
        guard change.type != .deleted, standing.deleting, standing.finalizers.contains(finalizer.name) else { return nil }
        let object = HandlerObject(change.object)
        self.init(object: object, body: change.object.json, cause: .delete, digest: "delete/\(object.uid ?? "")")
    }
}

extension HandlerObject {
    /// The namespace, name and uid of a watched object.
    public init(_ object: KubernetesObject) {
        self.init(namespace: object.namespace.isEmpty ? nil : object.namespace, name: object.name,
                  uid: AnnotationProgressStore<ContinuousClock>.metadataString("uid", of: object.json))
    }
}

extension HandlerRunner {
    /// Hands what `supervisor` sees to the runner until the watch ends (rethrowing what ended it) or the
    /// task is cancelled; run ``run()`` beside it. ADDED and MODIFIED are submitted as `create` and
    /// `update`; DELETED makes the runner, its store and its reporter ``forget(_:)`` the object.
    ///
    /// With a `finalizer`, the runner adds it to each object before handling its change, hands an object
    /// being deleted to the `delete` handlers, and removes the finalizer once they are done (see
    /// ``KubernetesFinalizer``). Without one (the default), `delete` handlers are never run: an object
    /// without a finalizer is gone before anyone could handle it.
    public func submitChanges<W: Clock>(of supervisor: WatchSupervisor<W>, finalizer: KubernetesFinalizer? = nil) async throws {
        if let finalizer { holdDeletions(with: finalizer, client: supervisor.client, collection: supervisor.path) }
        try await supervisor.run { update in
            guard case .change(let change) = update else { return }
            if change.type == .deleted {
                await self.forget(HandlerObject(change.object))
            } else if let finalizer, KubernetesFinalizer.standing(of: change.object.json).deleting {
                // Being deleted: ours to handle while it holds our finalizer; otherwise only another
                // controller's finalizer keeps it, and there is nothing to do.
                if let deleting = HandlerChange(deleting: change, finalizer: finalizer) { self.submit(deleting) }
            } else if let handlerChange = HandlerChange(change) {
                self.submit(handlerChange)
            }
        }
    }

    /// Sets the hooks that add `finalizer` before a change is handled (only when some handler runs for
    /// `delete`: a finalizer nobody releases would hold every deletion while the runner is down) and
    /// remove it once a deletion is handled. A failed patch is tried again after 1 s, doubling up to
    /// 60 s (slept on the runner's clock, cut short by a newer change), until it succeeds, the object is
    /// gone, a newer change supersedes it, or the task is cancelled: a finalizer left on would hold the
    /// object, and a missing one would let it go unhandled.
    private func holdDeletions<W: Clock>(with finalizer: KubernetesFinalizer, client: KubernetesClient<W>, collection: String) {
        let logger = self.logger
        let addsFinalizer = !(leaves[.delete] ?? []).isEmpty
        state.withLock { state in
            state.hooks.prepare = { [weak self] change in
                guard addsFinalizer, change.cause != .delete else { return }
                await self?.persist(change, "added", logger: logger) {
                    try await finalizer.add(to: change.object, body: change.body, collection: collection, client: client, logger: logger)
                }
            }
            state.hooks.handled = { [weak self] change in
                guard change.cause == .delete else { return }
                await self?.persist(change, "removed", logger: logger) {
                    try await finalizer.remove(from: change.object, collection: collection, client: client, logger: logger)
                }
            }
        }
    }

    /// Runs `patch` until it succeeds, backing off from 1 s to 60 s between tries.
    private func persist(_ change: HandlerChange, _ what: String, logger: Logger, _ patch: () async throws -> Void) async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await patch()
                return
            } catch {
                logger.warning("triage.handlers.finalizer not \(what)", metadata: [
                    "k8s.name": "\(change.object)", "triage.error": "\(error)", "triage.delay": "\(delay)",
                ])
            }
            await wait(delay, for: change)
            if supersedes(change) { return }
            delay = min(delay * 2, .seconds(60))
        }
    }
}

extension AnnotationProgressStore {
    /// A string field of an object's `metadata`.
    static func metadataString(_ field: String, of json: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
              let metadata = object["metadata"] as? [String: Any] else { return nil }
        return metadata[field] as? String
    }
}
