import Triage

/// One event of a watch stream (`{"type": ..., "object": ...}`, one JSON object per line).
public enum WatchEvent: Sendable, Hashable {
    case added(KubernetesObject)
    case modified(KubernetesObject)
    case deleted(KubernetesObject)
    /// A BOOKMARK: only the resourceVersion the stream has reached is meaningful.
    case bookmark(resourceVersion: String)
    /// An ERROR event: the `Status` the server ended the stream with (410 Expired after a compaction,
    /// a 500, ...).
    case error(KubernetesStatus)

    /// Reads one event line.
    ///
    /// - Throws: ``KubernetesDecodingError`` for a line that is not an event.
    public init(line: [UInt8]) throws(KubernetesDecodingError) {
        let scanner = JSONScanner(line)
        var type: String?
        var object: Range<Int>?
        let wellFormed = scanner.members(of: 0..<line.count) { key, value in
            if scanner.key(key, is: "type") { type = scanner.string(value) }
            else if scanner.key(key, is: "object") { object = value }
            // Read on to the closing brace even when both are found: a truncated line is an error.
            return true
        }
        guard wellFormed, let type, let object else { throw KubernetesDecodingError("a watch event needs a type and an object") }
        switch type {
        case "ADDED": self = .added(try KubernetesObject.scan(scanner, range: object))
        case "MODIFIED": self = .modified(try KubernetesObject.scan(scanner, range: object))
        case "DELETED": self = .deleted(try KubernetesObject.scan(scanner, range: object))
        case "BOOKMARK": self = .bookmark(resourceVersion: try KubernetesObject.scan(scanner, range: object).resourceVersion)
        case "ERROR":
            guard let status = KubernetesStatus.decode(Array(line[object])) else {
                throw KubernetesDecodingError("an ERROR event whose object is not a Status")
            }
            self = .error(status)
        default: throw KubernetesDecodingError("unknown watch event type \"\(type)\"")
        }
    }

    /// The resourceVersion this event moves the stream to (`nil` for ERROR).
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object.resourceVersion
        case .bookmark(let resourceVersion): resourceVersion
        case .error: nil
        }
    }
}
