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

    /// Reads the metadata of `json`, checking its structure (not its strings' contents, as for
    /// ``WatchEvent/init(line:)``).
    ///
    /// - Throws: a ``KubernetesDecodingError`` when `json` is not a JSON object.
    public init(json: [UInt8]) throws(KubernetesDecodingError) {
        let object = JSONScanner.with(json) { scanner in scanner.object(at: 0).map { KubernetesObject($0, of: scanner, keeping: json) } }
        guard let object else { throw KubernetesDecodingError("the object is not a JSON object") }
        self = object
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

    /// The object `scan` found in the scanner's bytes; `whole` is kept as its JSON instead of a copy of
    /// the range (when the range is all of it).
    init(_ scan: JSONScanner.ObjectScan, of scanner: JSONScanner, keeping whole: [UInt8]? = nil) {
        self.init(namespace: scan.namespace.flatMap(scanner.string) ?? "", name: scan.name.flatMap(scanner.string) ?? "",
                  resourceVersion: scan.resourceVersion.flatMap(scanner.string) ?? "", json: whole ?? scanner.copy(scan.range))
    }
}

/// A response or event the client could not read (not JSON, not the shape the API defines).
public struct KubernetesDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot decode the Kubernetes response: \(message)" }
}
