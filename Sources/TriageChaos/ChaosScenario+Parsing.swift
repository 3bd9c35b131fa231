import Foundation

extension ChaosScenario {
    /// Parses a JSON object, e.g. `{"error_rate": 0.2, "error_status": 503, "retry_after": "1",
    /// "latency": "uniform:5-20", "faults": ["reset", "stall"], "fault_rate": 0.05, "seed": 7}`, with
    /// Foundation's `JSONDecoder`. Missing fields keep their defaults.
    /// - Throws: ``ChaosScenarioError`` (`malformed`, `unknownField`, `outOfRange`, `invalidLatency`,
    ///   `unknownName`), with the field and its line when it names one.
    public init(json: some Sequence<UInt8>) throws(ChaosScenarioError) {
        let bytes = Array(json)
        // A scenario is one flat object with lists of scalars; deeper nesting is hostile, and a
        // recursive parser must not meet 100,000 levels of it.
        guard Self.nestingDepth(of: bytes) <= Self.maximumNesting else {
            throw ChaosScenarioError(.malformed, "nested deeper than \(Self.maximumNesting) levels")
        }
        do {
            self = try JSONDecoder().decode(ChaosScenario.self, from: Data(bytes))
        } catch var error as ChaosScenarioError {
            error.line = error.field.flatMap { Self.line(ofKey: $0, in: bytes) }
            throw error
        } catch {
            throw ChaosScenarioError(.malformed, "not valid JSON: \(Self.reason(error))")
        }
    }

    /// The deepest nesting of JSON text accepted (8).
    static let maximumNesting = 8

    /// The deepest `[`/`{` nesting in JSON text, brackets inside strings not counted; stops counting
    /// past ``maximumNesting``.
    static func nestingDepth(of bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > maximumNesting { return deepest }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// The line (from 1) of the first `"key"` followed by a colon in JSON text.
    static func line(ofKey key: String, in bytes: [UInt8]) -> Int? {
        let quoted = Array("\"\(key)\"".utf8)
        guard quoted.count <= bytes.count else { return nil }
        var line = 1
        var index = 0
        while index + quoted.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            if bytes[index] == quoted[0], Array(bytes[index..<(index + quoted.count)]) == quoted,
               bytes[(index + quoted.count)...].first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) == UInt8(ascii: ":") {
                return line
            }
            index += 1
        }
        return nil
    }

    /// A decoder's complaint without Swift's type dump: `DecodingError`'s own description, or the
    /// underlying error's (Foundation's names the line and column of a JSON syntax error).
    static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
        }
        return (error as NSError).localizedDescription
    }

    /// Reads a scenario file: JSON (`.json`, or any text starting with `{`), or YAML (``init(yaml:)``).
    /// - Throws: ``ChaosScenarioError`` (`unreadable` when the file cannot be read).
    public init(contentsOfFile path: String) throws(ChaosScenarioError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChaosScenarioError(.unreadable, "cannot read scenario file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        if path.hasSuffix(".json") || text.drop(while: \.isWhitespace).first == "{" {
            try self.init(json: Array(data))
        } else {
            try self.init(yaml: text)
        }
    }
}
