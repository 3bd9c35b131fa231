import Crypto
import Foundation
import TriageKubernetes

/// API paths and annotation names for the objects a handler runner works on.
enum KubernetesObjectPath {
    /// The path of object `name` of the collection at `collection`:
    /// `/api/v1/namespaces/NS/pods` + `a` → `/api/v1/namespaces/NS/pods/a`; an all-namespaces collection
    /// (`/apis/G/V/widgets`) and a namespaced object → `/apis/G/V/namespaces/NS/widgets/a`.
    /// The name and namespace are percent-encoded (all but letters, digits and `-._~:@`), so that a
    /// hostile `?` or `#` cannot move a write to another URL; ``isAddressable(_:)`` refuses the names
    /// no encoding makes safe.
    static func object(inCollection collection: String, namespace: String?, name: String) -> String {
        var base = collection
        while base.hasSuffix("/") { base.removeLast() }
        let name = encoded(name)
        guard let namespace, !namespace.isEmpty, !base.contains("/namespaces/") else { return base + "/" + name }
        guard let slash = base.lastIndex(of: "/") else { return base + "/" + name }
        return base[..<slash] + "/namespaces/" + encoded(namespace) + base[slash...] + "/" + name
    }

    /// Whether the object's name and namespace can be a path segment, by the API server's own rule
    /// (`ValidatePathSegmentName`): not empty, not `.` or `..`, no `/` or `%`. An object that breaks it
    /// cannot come from a real API server, and a write to its path would reach another URL (the
    /// collection, a parent), so the runner does not handle it.
    static func isAddressable(_ object: HandlerObject) -> Bool {
        isSegment(object.name) && (object.namespace.map(isSegment) ?? true)
    }

    private static func isSegment(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && !text.contains("/") && !text.contains("%")
    }

    /// A path segment keeps `:` and `@` (RFC 3986's pchar): `system:node` stays readable.
    private static func encoded(_ segment: String) -> String {
        PercentEncoding.encoded(segment, keeping: [UInt8(ascii: ":"), UInt8(ascii: "@")])
    }

    /// `triage.dev/<name>` with the name made a valid annotation name: characters other than letters,
    /// digits, `-`, `_` and `.` become `.`; a name over 63 characters is cut and ends in a hash of the
    /// whole id (as Kopf shortens its progress annotations), so two long ids never share an annotation.
    static func annotation(_ id: String, prefix: String = "triage.dev") -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        var name = String(id.map { allowed.contains($0) ? $0 : "." })
        // An annotation name starts and ends with a letter or digit.
        while let first = name.first, !first.isLetter, !first.isNumber { name.removeFirst() }
        while let last = name.last, !last.isLetter, !last.isNumber { name.removeLast() }
        if name.isEmpty || name.count > 63 {
            let hash = SHA256.hash(data: Data(id.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
            name = name.isEmpty ? "h-" + hash : String(name.prefix(54)) + "-" + hash
        }
        return prefix + "/" + name
    }
}
