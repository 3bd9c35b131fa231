import Foundation

/// One Kubernetes object as the server sent it: its JSON bytes, and the metadata read from them.
///
/// The bytes are kept as they came (no tree is built), so a cache of objects costs about their JSON
/// size; decode them into your own `Decodable` type with ``decode(_:decoder:)``.
public struct KubernetesObject: Sendable, Hashable {
    /// `metadata.namespace`; empty for cluster-scoped objects.
    public var namespace: String
    /// `metadata.name`.
    public var name: String
    /// `metadata.resourceVersion`; empty when absent.
    public var resourceVersion: String
    /// The object's JSON.
    public var json: [UInt8]

    /// Reads the metadata of `json`.
    ///
    /// - Throws: a ``KubernetesDecodingError`` when `json` is not a JSON object.
    public init(json: [UInt8]) throws(KubernetesDecodingError) {
        self = try Self.scan(JSONScanner(json), range: 0..<json.count, keeping: json)
    }

    public init(namespace: String, name: String, resourceVersion: String, json: [UInt8]) {
        self.namespace = namespace
        self.name = name
        self.resourceVersion = resourceVersion
        self.json = json
    }

    /// Encodes `value` and reads its metadata.
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws {
        try self.init(json: [UInt8](encoder.encode(value)))
    }

    /// The object decoded as `T`.
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(T.self, from: Data(json))
    }

    /// The cache key: `namespace/name`, or `name` for cluster-scoped objects.
    public var key: String { namespace.isEmpty ? name : namespace + "/" + name }

    /// The object at `range` of the scanner's bytes; `keeping` is the whole buffer when the range is all of it.
    static func scan(_ scanner: JSONScanner, range: Range<Int>, keeping whole: [UInt8]? = nil) throws(KubernetesDecodingError) -> KubernetesObject {
        var namespace = ""
        var name = ""
        var resourceVersion = ""
        var sawMetadata = false
        let wellFormed = scanner.members(of: range) { key, value in
            guard scanner.key(key, is: "metadata") else { return true }
            sawMetadata = true
            scanner.members(of: value) { key, value in
                if scanner.key(key, is: "name") { name = scanner.string(value) ?? "" }
                else if scanner.key(key, is: "namespace") { namespace = scanner.string(value) ?? "" }
                else if scanner.key(key, is: "resourceVersion") { resourceVersion = scanner.string(value) ?? "" }
                return true
            }
            return true
        }
        guard wellFormed else { throw KubernetesDecodingError("the object is not a JSON object") }
        _ = sawMetadata
        let bytes = whole ?? Array(scanner.bytes[range])
        return KubernetesObject(namespace: namespace, name: name, resourceVersion: resourceVersion, json: bytes)
    }
}

/// A response or event the client could not read (not JSON, not the shape the API defines).
public struct KubernetesDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot decode the Kubernetes response: \(message)" }
}
