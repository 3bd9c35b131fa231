/// A strict reader for flat XML error documents: a root element whose children hold text.
///
/// It refuses what makes XML dangerous to parse — any `<!DOCTYPE`/`<!ENTITY` (so no entity expansion),
/// nesting deeper than ``maximumDepth``, invalid UTF-8 — and decodes only XML's five predefined entities
/// and numeric character references. Work is linear in the input.
enum FlatXML {
    static let maximumDepth = 16

    /// The text of each direct child of the root element named `root`, or `nil` when the document is
    /// not such an element or is refused.
    static func children(of root: String, in bytes: [UInt8]) -> [String: String]? {
        guard let text = String(validating: bytes, as: UTF8.self), !hasDeclaration(text) else {
            return nil
        }
        var scanner = Substring(text)
        var fields: [String: String] = [:]
        var stack: [Substring] = []
        var currentText = ""
        while let open = scanner.firstIndex(of: "<") {
            currentText += scanner[..<open]
            scanner = scanner[scanner.index(after: open)...]
            if scanner.hasPrefix("?") {  // prolog or processing instruction
                guard let end = scanner.firstRange(of: "?>") else { return nil }
                scanner = scanner[end.upperBound...]
                continue
            }
            if scanner.hasPrefix("!--") {
                guard let end = scanner.firstRange(of: "-->") else { return nil }
                scanner = scanner[end.upperBound...]
                continue
            }
            if scanner.hasPrefix("![CDATA[") {
                guard let end = scanner.firstRange(of: "]]>") else { return nil }
                currentText += scanner[scanner.index(scanner.startIndex, offsetBy: 8)..<end.lowerBound]
                scanner = scanner[end.upperBound...]
                continue
            }
            guard let close = scanner.firstIndex(of: ">") else { return nil }
            var tag = scanner[..<close]
            scanner = scanner[scanner.index(after: close)...]
            if tag.hasPrefix("/") {
                let name = tag.dropFirst().trimmingWhitespace
                guard let top = stack.popLast(), top == name else { return nil }
                if stack.count == 1, let value = XMLText.unescaped(currentText)?.trimmingWhitespace { fields[String(name)] = value }
                if stack.isEmpty { return top == root[...] ? fields : nil }
                currentText = ""
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            if selfClosing { tag = tag.dropLast() }
            let name = tag.prefix { !$0.isWhitespace }
            guard !name.isEmpty else { return nil }
            if stack.isEmpty, name != root[...] { return nil }
            if selfClosing {
                if stack.count == 1 { fields[String(name)] = "" }
                continue
            }
            stack.append(name)
            guard stack.count <= maximumDepth else { return nil }
            currentText = ""
        }
        return nil
    }

    private static func hasDeclaration(_ text: String) -> Bool {
        text.contains("<!DOCTYPE") || text.contains("<!ENTITY") || text.contains("<!doctype") || text.contains("<!ELEMENT")
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
