import Foundation

extension ChaosScenario {
    /// The field names of scenario files and `POST /_chaos/scenario` bodies (snake_case).
    public static let fieldNames: Set<String> = [
        "error_rate", "error_status", "retry_after", "error_body", "latency", "capacity", "over_capacity",
        "capacity_status", "fault_rate", "faults", "seed",
    ]

    /// Parses a JSON object, e.g. `{"error_rate": 0.2, "error_status": 503, "retry_after": "1",
    /// "latency": "uniform:5-20", "faults": ["reset", "stall"], "fault_rate": 0.05, "seed": 7}`.
    /// Missing fields keep their defaults.
    /// - Throws: ``ChaosScenarioError`` (`malformed`, `unknownField`, `outOfRange`, `invalidLatency`, `unknownName`).
    public init(json: some Sequence<UInt8>) throws(ChaosScenarioError) {
        let bytes = Array(json)
        // A scenario is one flat object with lists of scalars; deeper nesting is hostile, and a
        // recursive parser must not meet 100,000 levels of it.
        guard Self.nestingDepth(of: bytes) <= Self.maximumNesting else {
            throw ChaosScenarioError(.malformed, "nested deeper than \(Self.maximumNesting) levels")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw ChaosScenarioError(.malformed, "not valid JSON: \((error as NSError).localizedDescription)")
        }
        guard let fields = object as? [String: Any] else {
            throw ChaosScenarioError(.malformed, "a scenario is a JSON object of fields")
        }
        try self.init(fields: fields)
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

    /// Reads a scenario file: JSON (`.json`, or any text starting with `{`), or the flat YAML subset
    /// of ``init(yaml:)``.
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

    /// Builds a scenario from decoded fields (JSON or YAML), with the same checks.
    public init(fields: [String: Any]) throws(ChaosScenarioError) {
        self.init()
        if let unknown = fields.keys.filter({ !Self.fieldNames.contains($0) }).sorted().first {
            throw ChaosScenarioError(.unknownField, "unknown field '\(unknown)' (known: \(Self.fieldNames.sorted().joined(separator: ", ")))")
        }
        let reader = FieldReader(fields: fields)
        if let value = try reader.double("error_rate") { errorRate = value }
        if let value = try reader.int("error_status") { errorStatus = value }
        if let value = try reader.strings("retry_after") { retryAfter = value }
        if let value = try reader.string("error_body") { errorBody = try Self.named(value, "error_body") }
        if let value = try reader.string("latency") { latency = try ChaosLatency(spec: value) }
        capacity = try reader.int("capacity")
        if let value = try reader.string("over_capacity") { overCapacity = try Self.named(value, "over_capacity") }
        if let value = try reader.int("capacity_status") { capacityStatus = value }
        if let value = try reader.double("fault_rate") { faultRate = value }
        if let value = try reader.strings("faults") { faults = try value.map { (name) throws(ChaosScenarioError) -> ChaosFault in try Self.named(name, "faults") } }
        seed = try reader.seed("seed")
        self = try validated()
    }

    /// The scenario as JSON fields (the form `GET /_chaos/scenario` returns and ``init(fields:)`` reads).
    public var fields: [String: Any] {
        var fields: [String: Any] = [
            "error_rate": errorRate, "error_status": errorStatus, "retry_after": retryAfter, "error_body": errorBody.rawValue,
            "latency": latency.description, "over_capacity": overCapacity.rawValue, "capacity_status": capacityStatus,
            "fault_rate": faultRate, "faults": faults.map(\.rawValue),
        ]
        fields["capacity"] = capacity ?? NSNull()
        fields["seed"] = seed.map { NSNumber(value: $0) } ?? NSNull()
        return fields
    }

    /// ``fields`` as JSON text, keys sorted.
    public var json: String {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The case of a string-named enum (``ChaosErrorBody``, ``ChaosFault``, ``OverCapacity``), or an
    /// `unknownName` error naming `field` and the known values.
    public static func named<T: RawRepresentable & CaseIterable>(_ value: String, _ field: String) throws(ChaosScenarioError) -> T where T.RawValue == String {
        guard let named = T(rawValue: value) else {
            throw ChaosScenarioError(.unknownName, "\(field): unknown value '\(value)' (known: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return named
    }
}

/// Typed access to decoded fields, with an error naming the field.
private struct FieldReader {
    var fields: [String: Any]

    func wrongType(_ name: String, _ expected: String) -> ChaosScenarioError {
        ChaosScenarioError(.malformed, "\(name) must be \(expected) (got \(fields[name].map { "\($0)" } ?? "nothing"))")
    }

    func double(_ name: String) throws(ChaosScenarioError) -> Double? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String, let number = Double(text) { return number }
        throw wrongType(name, "a number")
    }

    func int(_ name: String) throws(ChaosScenarioError) -> Int? {
        guard let number = try double(name) else { return nil }
        guard number == number.rounded(), abs(number) < 1e15 else { throw wrongType(name, "a whole number") }
        return Int(number)
    }

    /// A whole number within 0…2⁶⁴−1, given as a JSON integer (kept exact) or as digits in a string.
    func seed(_ name: String) throws(ChaosScenarioError) -> UInt64? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        let text = (value as? String) ?? (value as? NSNumber)?.stringValue ?? ""
        if let seed = UInt64(text) { return seed }
        if let number = value as? NSNumber {
            // YAML numbers arrive as doubles: exact up to 2⁵³.
            let double = number.doubleValue
            if double >= 0, double == double.rounded(), double < 9_007_199_254_740_992 { return UInt64(double) }
        }
        if text.hasPrefix("-"), Double(text) != nil { throw ChaosScenarioError(.outOfRange, "seed must not be negative") }
        throw wrongType(name, "a whole number within 0…18446744073709551615")
    }

    func string(_ name: String) throws(ChaosScenarioError) -> String? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        if let text = value as? String { return text }
        throw wrongType(name, "a string")
    }

    /// A string, a number, or a list of them.
    func strings(_ name: String) throws(ChaosScenarioError) -> [String]? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        if let text = value as? String { return [text] }
        if let number = value as? NSNumber { return [Self.format(number)] }
        if let list = value as? [Any] {
            return try list.map { (item) throws(ChaosScenarioError) -> String in
                if let text = item as? String { return text }
                if let number = item as? NSNumber { return Self.format(number) }
                throw wrongType(name, "a list of strings or numbers")
            }
        }
        throw wrongType(name, "a string or a list of strings")
    }

    /// A number as header text: whole numbers without a fraction (`2`, not `2.0`); others, and
    /// whole numbers too large for `Int` (`1e300`), as Swift prints them.
    static func format(_ number: NSNumber) -> String {
        let value = number.doubleValue
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
