import Triage

/// One event of a watch stream (`{"type": ..., "object": ...}`, one JSON object per line).
public enum WatchEvent: Sendable, Hashable {
    case added(KubernetesObject)
    case modified(KubernetesObject)
    case deleted(KubernetesObject)
    /// A BOOKMARK: only the resourceVersion the stream has reached is meaningful.
    case bookmark(resourceVersion: String)
    /// An ERROR event: the `Status` the server ended the stream with (410 Expired after a compaction,
    /// a 500, ...). Indirect: a `Status` (about 200 bytes) would make every event that size, and every
    /// event is copied into and out of the batch a chunk's lines are read into.
    indirect case error(KubernetesStatus)

    /// Reads one event line. Its strings are checked for structure only: a raw control byte (below 0x20)
    /// in the object's data is kept as it came, and ``KubernetesObject/decode(_:decoder:)`` rejects it;
    /// one in `metadata.name`, `namespace` or `resourceVersion` is an error.
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
        guard end != nil, let type, let object else {
            throw KubernetesDecodingError("a watch event needs a type and an object")
        }
        switch Kind(type, of: scanner) {
        case .added: self = .added(KubernetesObject(object, of: scanner))
        case .modified: self = .modified(KubernetesObject(object, of: scanner))
        case .deleted: self = .deleted(KubernetesObject(object, of: scanner))
        case .bookmark: self = .bookmark(resourceVersion: object.resourceVersion.flatMap(scanner.string) ?? "")
        case .error:
            guard let status = KubernetesStatus.decode(scanner.copy(object.range)) else {
                throw KubernetesDecodingError("an ERROR event whose object is not a Status")
            }
            self = .error(status)
        case nil:
            let type = scanner.string(type).map { "unknown watch event type \"\($0)\"" }
            throw KubernetesDecodingError(type ?? "a watch event's type is not a string")
        }
    }

    /// An event's `type`.
    private enum Kind {
        case added, modified, deleted, bookmark, error

        /// The type whose JSON string (quotes included) is at `range`: its bytes compared where they lie
        /// (no String made per event), an escaped spelling read as a string; `nil` for any other value.
        init?(_ range: Range<Int>, of scanner: JSONScanner) {
            if scanner.key(range, is: "\"ADDED\"") { self = .added }
            else if scanner.key(range, is: "\"MODIFIED\"") { self = .modified }
            else if scanner.key(range, is: "\"DELETED\"") { self = .deleted }
            else if scanner.key(range, is: "\"BOOKMARK\"") { self = .bookmark }
            else if scanner.key(range, is: "\"ERROR\"") { self = .error }
            else {
                switch scanner.string(range) {
                case "ADDED": self = .added
                case "MODIFIED": self = .modified
                case "DELETED": self = .deleted
                case "BOOKMARK": self = .bookmark
                case "ERROR": self = .error
                default: return nil
                }
            }
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
