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

    /// Sets the hooks that add `finalizer` before a change is handled and remove it once a deletion is.
    /// A failed patch is logged; the next event of the object (or the next start) tries again.
    private func holdDeletions<W: Clock>(with finalizer: KubernetesFinalizer, client: KubernetesClient<W>, collection: String) {
        let logger = self.logger
        state.withLock { state in
            state.hooks.prepare = { change in
                guard change.cause != .delete else { return }
                do {
                    try await finalizer.add(to: change.object, body: change.body, collection: collection, client: client, logger: logger)
                } catch {
                    logger.warning("triage.handlers.finalizer not added", metadata: ["k8s.name": "\(change.object)", "triage.error": "\(error)"])
                }
            }
            state.hooks.handled = { change in
                guard change.cause == .delete else { return }
                do {
                    try await finalizer.remove(from: change.object, body: change.body, collection: collection, client: client, logger: logger)
                } catch {
                    logger.warning("triage.handlers.finalizer not removed", metadata: ["k8s.name": "\(change.object)", "triage.error": "\(error)"])
                }
            }
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
