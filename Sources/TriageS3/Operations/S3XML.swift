import Foundation
import Triage

/// Just enough XML for S3's response documents: the text of named elements, in order. S3's documents
/// are flat records (`<Contents>…</Contents>` repeated), not nested same-name elements, and carry no
/// DTDs; nothing here resolves entities beyond XML's five and numeric references.
enum S3XML {
    /// The contents of every `<name>…</name>` in `text`, in order (`<name/>` gives an empty one).
    static func elements(_ name: String, in text: Substring) -> [Substring] {
        var found: [Substring] = []
        let open = "<\(name)>", empty = "<\(name)/>", close = "</\(name)>"
        var rest = text[...]
        while let start = rest.range(of: open) ?? rest.range(of: empty) {
            if rest[start].hasSuffix("/>") {
                found.append(rest[start.upperBound..<start.upperBound])
                rest = rest[start.upperBound...]
                continue
            }
            guard let end = rest[start.upperBound...].range(of: close) else { break }
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The unescaped text of the first `<name>` in `text`; its raw text when a reference in it is not
    /// one of XML's own (S3 writes none, so nothing is dropped on a surprise).
    static func value(_ name: String, in text: Substring) -> String? {
        elements(name, in: text).first.map { XMLText.unescaped($0) ?? String($0) }
    }
}
