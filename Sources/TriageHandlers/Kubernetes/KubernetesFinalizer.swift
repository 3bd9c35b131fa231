import Foundation
import Logging
import Triage
import TriageKubernetes

/// Deletion handled before the object goes, through a finalizer, as Kopf and client-go controllers do.
///
/// Given to ``HandlerRunner/submitChanges(of:finalizer:)``, it is added to `metadata.finalizers` of every
/// object before its change is handled (one patch per object, once), so the API server keeps a deleted
/// object, with a `deletionTimestamp`, until the finalizer is removed. That state is handled as a
/// ``HandlerCause/delete`` change; once every delete handler is done — succeeded, or failed for good
/// (as Kopf does: an object held forever would also hold its namespace's deletion) — the finalizer is
/// removed and the API server deletes the object. A runner killed in between removes it when it sees
/// the object again, without running the handlers twice. With no delete handler, the finalizer is
/// removed as soon as the deletion is seen.
///
/// Each patch carries the object's `resourceVersion`, since the finalizer list is replaced whole and
/// another controller's finalizer added meanwhile must not be lost: a 409 reads the object again and
/// patches once more, up to 5 times. An object already being deleted does not get the finalizer (the
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
    }

    static func standing(of json: [UInt8]) -> Standing {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
              let metadata = object["metadata"] as? [String: Any] else { return Standing(finalizers: [], deleting: false) }
        return Standing(finalizers: metadata["finalizers"] as? [String] ?? [], deleting: metadata["deletionTimestamp"] is String)
    }

    /// Adds the finalizer unless the object has it or is being deleted.
    func add<C: Clock>(to object: HandlerObject, body: [UInt8], collection: String, client: KubernetesClient<C>, logger: Logger?) async throws {
        try await update(object, body: body, collection: collection, client: client, logger: logger) { standing in
            standing.deleting || standing.finalizers.contains(name) ? nil : standing.finalizers + [name]
        }
    }

    /// Removes the finalizer, if the object still has it.
    func remove<C: Clock>(from object: HandlerObject, body: [UInt8], collection: String, client: KubernetesClient<C>, logger: Logger?) async throws {
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
            let resourceVersion = AnnotationProgressStore<C>.metadataString("resourceVersion", of: current) ?? ""
            let patch = try JSONSerialization.data(withJSONObject: ["metadata": ["finalizers": finalizers, "resourceVersion": resourceVersion]],
                                                   options: [.sortedKeys])
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
