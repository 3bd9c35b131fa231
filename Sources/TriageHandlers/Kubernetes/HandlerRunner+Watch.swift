import Foundation
import TriageKubernetes

extension HandlerChange {
    /// The change a watch reports: ADDED is `create`, MODIFIED `update`; `nil` for DELETED (the runner
    /// handles deletion through finalizers, not events) and for objects that are not JSON objects.
    public init?(_ change: WatchChange) {
        guard change.type != .deleted, let digest = HandlerChange.digest(of: change.object.json) else { return nil }
        let object = change.object
        let uid = AnnotationProgressStore<ContinuousClock>.metadataString("uid", of: object.json)
        self.init(object: HandlerObject(namespace: object.namespace.isEmpty ? nil : object.namespace, name: object.name, uid: uid),
                  body: object.json, cause: change.type == .added ? .create : .update, digest: digest)
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
