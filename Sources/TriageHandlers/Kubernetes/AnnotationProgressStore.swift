import Foundation
import Logging
import Triage
import TriageKubernetes

/// Keeps progress in the object's own annotations, as Kopf does, so it survives the operator and needs
/// no database:
///
/// | annotation | holds |
/// |---|---|
/// | `triage.dev/last-handled` | the digest of the last change fully handled |
/// | `triage.dev/handling` | the digest of the change being handled |
/// | `triage.dev/<handler-id>` | the handler's ``HandlerProgress`` as JSON (ids made valid annotation names, long ones shortened with a hash) |
///
/// Progress is read from the object's JSON that came with the change (no request), and written with one
/// JSON merge patch per attempt; a 409 is met by reading the object again and patching once more (up to
/// 3 times). The store remembers what it wrote last, so an event older than its own patch does not
/// make it forget progress.
public final class AnnotationProgressStore<C: Clock>: HandlerProgressStore where C.Duration == Duration {
    let client: KubernetesClient<C>
    /// The collection the objects belong to (`/apis/example.com/v1/namespaces/default/widgets`).
    public let collection: String
    let logger: Logger?
    private let written = LockedValue<[HandlerObject: (progress: ObjectProgress, keys: Set<String>)]>([:])

    public static var lastHandledAnnotation: String { "triage.dev/last-handled" }
    public static var handlingAnnotation: String { "triage.dev/handling" }

    public init(client: KubernetesClient<C>, collection: String, logger: Logger? = nil) {
        self.client = client
        self.collection = collection
        self.logger = logger
    }

    /// The annotation that holds handler `id`'s progress.
    public static func annotation(forHandler id: String) -> String { KubernetesObjectPath.annotation(id) }

    public func load(_ change: HandlerChange) async throws -> ObjectProgress {
        if let known = written.withLock({ $0[change.object]?.progress }) { return known }
        let annotations = Self.annotations(of: change.body)
        var progress = ObjectProgress(lastHandled: annotations[Self.lastHandledAnnotation], handling: annotations[Self.handlingAnnotation])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for (name, value) in annotations where name.hasPrefix("triage.dev/") && name != Self.lastHandledAnnotation && name != Self.handlingAnnotation {
            guard let handler = try? decoder.decode(StoredProgress.self, from: Data(value.utf8)), let id = handler.id else { continue }
            progress.handlers[id] = handler.progress
        }
        return progress
    }

    public func save(_ progress: ObjectProgress, for object: HandlerObject) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        var annotations: [String: String?] = [
            Self.lastHandledAnnotation: progress.lastHandled,
            Self.handlingAnnotation: progress.handling,
        ]
        var keys: Set<String> = []
        for (id, handler) in progress.handlers {
            let name = Self.annotation(forHandler: id)
            keys.insert(name)
            annotations[name] = String(decoding: try encoder.encode(StoredProgress(id: id, progress: handler)), as: UTF8.self)
        }
        // Handlers of an earlier change that this one does not have: removed (null in a merge patch).
        let stale = written.withLock { $0[object]?.keys ?? [] }.subtracting(keys)
        for name in stale { annotations[name] = .some(nil) }
        let body = try JSONSerialization.data(withJSONObject: ["metadata": ["annotations": annotations.mapValues { $0 ?? NSNull() as Any }]],
                                              options: [.sortedKeys])
        let path = KubernetesObjectPath.object(inCollection: collection, namespace: object.namespace, name: object.name)
        var attempt = 1
        while true {
            do {
                _ = try await client.patch(path, .merge, json: [UInt8](body), logger: logger)
                break
            } catch let failure as Triage.Failure where failure.status == 409 && attempt < 3 {
                logger?.debug("triage.handlers.progress conflict", metadata: ["triage.attempt": "\(attempt)"])
                _ = try await client.get(path, logger: logger)
                attempt += 1
            }
        }
        written.withLock { $0[object] = (progress, keys) }
    }

    /// Forgets what it wrote for the object (the annotations went with it).
    public func forget(_ object: HandlerObject) async throws {
        _ = written.withLock { $0.removeValue(forKey: object) }
    }

    /// `metadata.annotations` of an object's JSON, as strings.
    static func annotations(of json: [UInt8]) -> [String: String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
              let metadata = object["metadata"] as? [String: Any],
              let annotations = metadata["annotations"] as? [String: Any] else { return [:] }
        return annotations.compactMapValues { $0 as? String }
    }
}

/// A handler's progress as its annotation holds it: Kopf's fields, Triage's, and the handler id (the
/// annotation name may be shortened).
struct StoredProgress: Codable {
    var id: String?
    var progress: HandlerProgress

    init(id: String, progress: HandlerProgress) {
        self.id = id
        self.progress = progress
    }

    init(from decoder: any Decoder) throws {
        progress = try HandlerProgress(from: decoder)
        id = try decoder.container(keyedBy: Key.self).decodeIfPresent(String.self, forKey: .id)
    }

    func encode(to encoder: any Encoder) throws {
        try progress.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(id, forKey: .id)
    }

    enum Key: String, CodingKey { case id }
}
