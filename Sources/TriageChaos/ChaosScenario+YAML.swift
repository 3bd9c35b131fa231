import Foundation

extension ChaosScenario {
    /// Parses the flat YAML a scenario needs: `key: value` lines, `#` comments, scalars (numbers,
    /// plain or quoted strings, `null`), and lists either inline (`faults: [reset, stall]`) or as
    /// `- item` lines under an empty key. Nested mappings, anchors and multi-line strings are not
    /// scenario material and are rejected as `malformed`.
    ///
    /// ```yaml
    /// error_rate: 0.2
    /// error_status: 503
    /// retry_after: "1"
    /// latency: uniform:5-20
    /// faults:
    ///   - reset
    ///   - stall
    /// ```
    /// - Throws: ``ChaosScenarioError``, as ``init(fields:)``.
    public init(yaml text: String) throws(ChaosScenarioError) {
        var fields: [String: Any] = [:]
        var openList: String?
        // Lines end in LF or CRLF ("\r\n" is one Character in Swift, so split on every newline).
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = Self.stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line == "---" { continue }
            func malformed(_ why: String) -> ChaosScenarioError {
                ChaosScenarioError(.malformed, "line \(index + 1): \(why): \(rawLine.trimmingCharacters(in: .whitespaces))")
            }
            if line.hasPrefix("- ") || line == "-" {
                guard let key = openList, rawLine.first == " " || rawLine.first == "-" else { throw malformed("a list item outside a list") }
                var list = fields[key] as? [Any] ?? []
                list.append(Self.scalar(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)))
                fields[key] = list
                continue
            }
            guard rawLine.first != " ", rawLine.first != "\t" else { throw malformed("nested mappings are not supported") }
            guard let colon = line.firstIndex(of: ":") else { throw malformed("expected 'key: value'") }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw malformed("empty key") }
            guard fields[key] == nil else { throw malformed("'\(key)' appears twice") }
            if value.isEmpty {
                openList = key
                fields[key] = [Any]()
            } else if value.hasPrefix("[") {
                guard value.hasSuffix("]") else { throw malformed("unclosed inline list") }
                openList = nil
                let inner = value.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                fields[key] = inner.isEmpty ? [Any]() : inner.split(separator: ",").map { Self.scalar($0.trimmingCharacters(in: .whitespaces)) }
            } else if value.hasPrefix("{") || value.hasPrefix("&") || value.hasPrefix("*") || value.hasPrefix("|") || value.hasPrefix(">") {
                throw malformed("only scalars and lists are supported")
            } else {
                openList = nil
                fields[key] = Self.scalar(value)
            }
        }
        try self.init(fields: fields)
    }

    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, character) in line.enumerated() {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#", previous == " " || offset == 0 {
                return String(line.prefix(offset))
            }
            previous = character
        }
        return line
    }

    private static func scalar(_ text: String) -> Any {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            return String(text.dropFirst().dropLast())
        }
        if text == "null" || text == "~" { return NSNull() }
        if let number = Double(text) { return NSNumber(value: number) }
        return text
    }
}
