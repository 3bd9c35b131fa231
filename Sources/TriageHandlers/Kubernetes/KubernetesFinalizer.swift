import Foundation
import Logging
import Triage
import TriageKubernetes

/// Deletion handled before the object goes, through a finalizer, as Kopf and client-go controllers do.
///
/// Given to ``HandlerRunner/submitChanges(of:finalizer:)``, and when some handler runs for
/// ``HandlerCause/delete`` (a ``Handler``'s default causes include it), it is added to
/// `metadata.finalizers` of every object before its change is handled (one patch per object, once;
/// retried until it holds, so no deletion goes unhandled), so the API server keeps a deleted
/// object, with a `deletionTimestamp`, until the finalizer is removed. That state is handled as a
/// ``HandlerCause/delete`` change; once every delete handler is done — succeeded, or failed for good
/// (as Kopf does: an object held forever would also hold its namespace's deletion) — the finalizer is
/// removed (a read, then a patch; retried with backoff until it holds) and the API server deletes the
/// object. A runner killed in between removes it when it sees the object again, without running the
/// handlers twice. With no delete handler, no finalizer is added, and one left by an earlier runner is
/// removed as soon as the deletion is seen. One runner serves one watched collection when it holds
/// deletions: its finalizer hooks are the runner's.
///
/// Each patch carries the object's `resourceVersion`, since the finalizer list is replaced whole and
/// another controller's finalizer added meanwhile must not be lost: a 409 reads the object again and
/// patches once more, up to 5 patches in all. An object already being deleted does not get the finalizer (the
/// API server refuses new finalizers then); an object that is gone (404) needs nothing.
public struct KubernetesFinalizer: Sendable, Hashable {
    /// The finalizer's name, a qualified name as the API server requires. Default `triage.dev/handlers`.
    public var name: String

    public init(name: String = "triage.dev/handlers") {
        self.name = name
    }

    /// What an object's metadata says of deletion and finalizers.
    struct Standing: Equatable {
        var finalizers: [String]
        var deleting: Bool

        init(finalizers: [String], deleting: Bool) {
            self.finalizers = finalizers
            self.deleting = deleting
        }

        /// From an object's parsed `metadata`.
        init(metadata: [String: Any]?) {
            self.init(finalizers: metadata?["finalizers"] as? [String] ?? [], deleting: metadata?["deletionTimestamp"] is String)
        }
    }

    static func resourceVersion(of json: [UInt8]) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any]
        return (object?["metadata"] as? [String: Any])?["resourceVersion"] as? String
    }

    static func standing(of json: [UInt8]) -> Standing {
        let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any]
        return Standing(metadata: object?["metadata"] as? [String: Any])
    }

    /// Adds the finalizer unless the object has it or is being deleted.
    func add<C: Clock>(to object: HandlerObject, body: [UInt8], collection: String, client: KubernetesClient<C>, logger: Logger?) async throws {
        try await update(object, body: body, collection: collection, client: client, logger: logger) { standing in
            standing.deleting || standing.finalizers.contains(name) ? nil : standing.finalizers + [name]
        }
    }

    /// Removes the finalizer, if the object still has it. The object is read first: the status and
    /// progress written while its deletion was handled have moved its resourceVersion on.
    func remove<C: Clock>(from object: HandlerObject, collection: String, client: KubernetesClient<C>, logger: Logger?) async throws {
        let path = KubernetesObjectPath.object(inCollection: collection, namespace: object.namespace, name: object.name)
        let body: [UInt8]
        do {
            body = try await client.get(path, logger: logger).json
        } catch let failure as Triage.Failure where failure.status == 404 {
            return
        }
        try await update(object, body: body, collection: collection, client: client, logger: logger) { standing in
            standing.finalizers.contains(name) ? standing.finalizers.filter { $0 != name } : nil
        }
    }

    /// Patches `metadata.finalizers` to what `change` makes of the object's list (`nil`: nothing to do),
    /// conditional on the resourceVersion the list was read at.
    private func update<C: Clock>(_ object: HandlerObject, body: [UInt8], collection: String, client: KubernetesClient<C>, logger: Logger?,
                                  _ change: (Standing) -> [String]?) async throws {
        let path = KubernetesObjectPath.object(inCollection: collection, namespace: object.namespace, name: object.name)
        var current = body
        for attempt in 1...5 {
            guard let finalizers = change(Self.standing(of: current)) else { return }
            var metadata: [String: Any] = ["finalizers": finalizers]
            // Without a resourceVersion the patch is unconditional (the API server reads an empty one so).
            if let resourceVersion = Self.resourceVersion(of: current) {
                metadata["resourceVersion"] = resourceVersion
            }
            let patch = try JSONSerialization.data(withJSONObject: ["metadata": metadata], options: [.sortedKeys])
            do {
                _ = try await client.patch(path, .merge, json: [UInt8](patch), logger: logger)
                return
            } catch let failure as Triage.Failure where failure.status == 404 {
                return
            } catch let failure as Triage.Failure where failure.status == 409 && attempt < 5 {
                logger?.debug("triage.handlers.finalizer conflict", metadata: ["triage.attempt": "\(attempt)"])
                do {
                    current = try await client.get(path, logger: logger).json
                } catch let failure as Triage.Failure where failure.status == 404 {
                    return
                }
            }
        }
    }
}
