import Foundation
import Logging
import TriageKubernetes

extension HandlerChange {
    /// The change a watch reports: ADDED is `create`, MODIFIED `update`; `nil` for DELETED (an object
    /// that is gone cannot be handled: deletion is handled through a ``KubernetesFinalizer``) and for
    /// objects that are not JSON objects.
    public init?(_ change: WatchChange) {
        self.init(change, read: WatchedObject(change.object))
    }

    init?(_ change: WatchChange, read: WatchedObject) {
        guard change.type != .deleted, let digest = read.digest else { return nil }
        self.init(object: read.object, body: change.object.json, cause: change.type == .added ? .create : .update, digest: digest)
    }

    /// The `delete` change of an object being deleted that still holds `finalizer`; `nil` otherwise.
    /// Its digest is the object's uid: every state of one deletion is one change, however often the
    /// object is modified while it is handled.
    init?(deleting change: WatchChange, read: WatchedObject, finalizer: KubernetesFinalizer) {
        guard read.standing.deleting, read.standing.finalizers.contains(finalizer.name) else { return nil }
        self.init(object: read.object, body: change.object.json, cause: .delete, digest: "delete/\(read.object.uid ?? "")")
    }
}

extension HandlerObject {
    /// The namespace, name and uid of a watched object.
    public init(_ object: KubernetesObject) {
        self = WatchedObject(object).object
    }
}

/// What the runner reads of a watched object, from one parse of its JSON: its identity, its deletion
/// and finalizers, and its change's digest.
struct WatchedObject {
    var object: HandlerObject
    var standing: KubernetesFinalizer.Standing
    /// ``HandlerChange/digest(of:)``; `nil` when the JSON is not an object.
    var digest: String?

    init(_ watched: KubernetesObject) {
        let json = (try? JSONSerialization.jsonObject(with: Data(watched.json))) as? [String: Any]
        let metadata = json?["metadata"] as? [String: Any]
        object = HandlerObject(namespace: watched.namespace.isEmpty ? nil : watched.namespace, name: watched.name,
                               uid: metadata?["uid"] as? String)
        standing = KubernetesFinalizer.Standing(metadata: metadata)
        digest = json.flatMap(HandlerChange.digest(ofParsed:))
    }
}

extension HandlerRunner {
    /// Hands what `supervisor` sees to the runner until the watch ends (rethrowing what ended it) or the
    /// task is cancelled; run ``run()`` beside it. ADDED and MODIFIED are submitted as `create` and
    /// `update`; DELETED makes the runner, its store and its reporter ``forget(_:)`` the object. An
    /// object whose name or namespace cannot be a path segment (empty, `.`, `..`, holding `/` or `%`) is
    /// skipped with a warning: no real API server has one, and its writes would reach another URL.
    ///
    /// With a `finalizer`, the runner adds it to each object before handling its change, hands an object
    /// being deleted to the `delete` handlers, and removes the finalizer once they are done (see
    /// ``KubernetesFinalizer``). Without one (the default), `delete` handlers are never run: an object
    /// without a finalizer is gone before anyone could handle it.
    public func submitChanges<W: Clock>(of supervisor: WatchSupervisor<W>, finalizer: KubernetesFinalizer? = nil) async throws {
        if let finalizer { holdDeletions(with: finalizer, client: supervisor.client, collection: supervisor.path) }
        try await supervisor.run { update in
            guard case .change(let change) = update else { return }
            let read = WatchedObject(change.object)
            guard KubernetesObjectPath.isAddressable(read.object) else {
                self.logger.warning("triage.handlers object skipped: its name or namespace cannot be a path segment (empty, . or .., / or %)",
                                    metadata: ["k8s.name": "\(read.object)"])
                return
            }
            if change.type == .deleted {
                await self.forget(read.object)
            } else if let finalizer, read.standing.deleting {
                // Being deleted: ours to handle while it holds our finalizer; otherwise only another
                // controller's finalizer keeps it, and there is nothing to do.
                if let deleting = HandlerChange(deleting: change, read: read, finalizer: finalizer) { self.submit(deleting) }
            } else if let handlerChange = HandlerChange(change, read: read) {
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
        let addsFinalizer = !leaves[.delete].isEmpty
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
