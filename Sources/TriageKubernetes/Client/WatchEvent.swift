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
        self = try JSONScanner.with(line) { scanner throws(KubernetesDecodingError) in try WatchEvent(scanner) }
    }

    /// Reads the event line that is all of the scanner's bytes, in one pass: the object's end is found
    /// while its metadata is read.
    init(_ scanner: JSONScanner) throws(KubernetesDecodingError) {
        var type: Range<Int>?
        var object: JSONScanner.ObjectScan?
        // Read on to the closing brace even when both are found: a truncated line is an error.
        let end = scanner.members(from: 0) { key, value in
            if scanner.key(key, is: "type") {
                let end = scanner.skipValue(value)
                type = end.map { value..<$0 }
                return end
            }
            if scanner.key(key, is: "object") {
                object = scanner.object(at: value)
                return object?.range.upperBound
            }
            return scanner.skipValue(value)
        }
        guard end != nil, let type = type.flatMap(scanner.string), let object else {
            throw KubernetesDecodingError("a watch event needs a type and an object")
        }
        switch type {
        case "ADDED": self = .added(KubernetesObject(object, of: scanner))
        case "MODIFIED": self = .modified(KubernetesObject(object, of: scanner))
        case "DELETED": self = .deleted(KubernetesObject(object, of: scanner))
        case "BOOKMARK": self = .bookmark(resourceVersion: object.resourceVersion.flatMap(scanner.string) ?? "")
        case "ERROR":
            guard let status = KubernetesStatus.decode(scanner.copy(object.range)) else {
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
