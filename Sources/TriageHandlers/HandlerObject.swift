import Crypto
import Foundation

/// Which object a change is about: runners keep one attempt in flight per object.
public struct HandlerObject: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The namespace, or `nil` for a cluster-scoped object.
    public var namespace: String?
    /// The object's name.
    public var name: String
    /// The object's uid, when known (a recreated object has a new one).
    public var uid: String?

    public init(namespace: String?, name: String, uid: String? = nil) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }

    /// Identity for coalescing: namespace and name (a uid change is a new object under the same key).
    /// The hash is worked out once: the runner's dictionary rehashes every key each time it grows, and
    /// then hashes one `Int` per key instead of two strings.
    struct Key: Hashable, Sendable {
        let namespace: String?
        let name: String
        private let hash: Int

        init(namespace: String?, name: String) {
            self.namespace = namespace
            self.name = name
            var hasher = Hasher()
            hasher.combine(namespace)
            hasher.combine(name)
            hash = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        static func == (left: Key, right: Key) -> Bool {
            left.hash == right.hash && left.name == right.name && left.namespace == right.namespace
        }
    }

    var runnerKey: Key { Key(namespace: namespace, name: name) }
}

/// One change of an object to handle: the object, its newest JSON, the cause, and the change's digest.
public struct HandlerChange: Sendable {
    public var object: HandlerObject
    public var body: [UInt8]
    public var cause: HandlerCause
    /// Identifies the content being handled: a change whose digest equals the last handled one is not
    /// run again. ``digest(of:)`` computes it from the object's content other than metadata and status.
    public var digest: String

    public init(object: HandlerObject, body: [UInt8], cause: HandlerCause, digest: String) {
        self.object = object
        self.body = body
        self.cause = cause
        self.digest = digest
    }

    /// The SHA-256 (hex, first 16 bytes) of the object's JSON without `metadata` and `status`, keys
    /// sorted: equal for two states that differ only in metadata or status. `nil` for JSON that is not
    /// an object.
    public static func digest(of json: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else { return nil }
        return digest(ofParsed: object)
    }

    /// ``digest(of:)`` of an object already parsed.
    static func digest(ofParsed parsed: [String: Any]) -> String? {
        var object = parsed
        object["metadata"] = nil
        object["status"] = nil
        guard let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return SHA256.hash(data: canonical).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
