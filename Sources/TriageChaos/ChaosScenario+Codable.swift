import Foundation

/// A scenario reads and writes as the files and `POST /_chaos/scenario` bodies spell it: one object of
/// snake_case fields (``ChaosScenario/fieldNames``), each optional (a missing or `null` field keeps its
/// default). Numbers may be written as strings and `retry_after` as one value or a list; an unknown
/// field, a wrong type or a value out of range is a ``ChaosScenarioError`` naming the field.
extension ChaosScenario: Codable {
    enum Field: String, CodingKey, CaseIterable {
        case errorRate = "error_rate", errorStatus = "error_status", retryAfter = "retry_after", errorBody = "error_body"
        case latency, capacity, overCapacity = "over_capacity", capacityStatus = "capacity_status"
        case faultRate = "fault_rate", faults, seed
    }

    /// The field names of scenario files and `POST /_chaos/scenario` bodies (snake_case).
    public static var fieldNames: Set<String> { Set(Field.allCases.map(\.rawValue)) }

    public init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<Field>
        let names: [String]
        do {
            names = try decoder.container(keyedBy: AnyField.self).allKeys.map(\.stringValue)
            container = try decoder.container(keyedBy: Field.self)
        } catch {
            throw ChaosScenarioError(.malformed, "a scenario is an object of fields")
        }
        if let unknown = names.filter({ Field(rawValue: $0) == nil }).sorted().first {
            throw ChaosScenarioError(.unknownField, "unknown field '\(unknown)' (known: \(Self.fieldNames.sorted().joined(separator: ", ")))",
                                     field: unknown)
        }
        let fields = FieldReader(container: container)
        self.init()
        if let value = try fields.double(.errorRate) { errorRate = value }
        if let value = try fields.int(.errorStatus) { errorStatus = value }
        if let value = try fields.strings(.retryAfter) { retryAfter = value }
        if let value = try fields.string(.errorBody) { errorBody = try Self.named(value, .errorBody) }
        if let value = try fields.string(.latency) { latency = try fields.located(.latency) { () throws(ChaosScenarioError) in try ChaosLatency(spec: value) } }
        capacity = try fields.int(.capacity)
        if let value = try fields.string(.overCapacity) { overCapacity = try Self.named(value, .overCapacity) }
        if let value = try fields.int(.capacityStatus) { capacityStatus = value }
        if let value = try fields.double(.faultRate) { faultRate = value }
        if let value = try fields.strings(.faults) {
            faults = try value.map { (name) throws(ChaosScenarioError) -> ChaosFault in try Self.named(name, .faults) }
        }
        seed = try fields.seed(.seed)
        self = try validated()
    }

    /// Every field, `null` for an unlimited capacity and a system-seeded random source.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(errorRate, forKey: .errorRate)
        try container.encode(errorStatus, forKey: .errorStatus)
        try container.encode(retryAfter, forKey: .retryAfter)
        try container.encode(errorBody.rawValue, forKey: .errorBody)
        try container.encode(latency.description, forKey: .latency)
        if let capacity { try container.encode(capacity, forKey: .capacity) } else { try container.encodeNil(forKey: .capacity) }
        try container.encode(overCapacity.rawValue, forKey: .overCapacity)
        try container.encode(capacityStatus, forKey: .capacityStatus)
        try container.encode(faultRate, forKey: .faultRate)
        try container.encode(faults.map(\.rawValue), forKey: .faults)
        if let seed { try container.encode(seed, forKey: .seed) } else { try container.encodeNil(forKey: .seed) }
    }

    /// The scenario as JSON text, keys sorted (what `GET /_chaos/scenario` returns).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The case of a string-named enum (``ChaosErrorBody``, ``ChaosFault``, ``OverCapacity``), or an
    /// `unknownName` error naming `field` (a field name, or a command-line flag) and the known values.
    public static func named<T: RawRepresentable & CaseIterable>(_ value: String, _ field: String) throws(ChaosScenarioError) -> T where T.RawValue == String {
        guard let named = T(rawValue: value) else {
            throw ChaosScenarioError(.unknownName, "\(field): unknown value '\(value)' (known: \(T.allCases.map(\.rawValue).joined(separator: ", ")))",
                                     field: field)
        }
        return named
    }

    static func named<T: RawRepresentable & CaseIterable>(_ value: String, _ field: Field) throws(ChaosScenarioError) -> T where T.RawValue == String {
        try named(value, field.rawValue)
    }
}

/// Any key, to find the fields nobody knows.
private struct AnyField: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Typed, lenient access to the fields (JSON numbers or strings, YAML scalars), with errors naming the field.
private struct FieldReader {
    var container: KeyedDecodingContainer<ChaosScenario.Field>

    func absent(_ field: ChaosScenario.Field) -> Bool {
        !container.contains(field) || ((try? container.decodeNil(forKey: field)) ?? false)
    }

    func wrongType(_ field: ChaosScenario.Field, _ expected: String) -> ChaosScenarioError {
        ChaosScenarioError(.malformed, "\(field.rawValue) must be \(expected)", field: field.rawValue)
    }

    /// `body`'s error, attributed to `field`.
    func located<T>(_ field: ChaosScenario.Field, _ body: () throws(ChaosScenarioError) -> T) throws(ChaosScenarioError) -> T {
        do { return try body() } catch {
            var located = error
            located.field = located.field ?? field.rawValue
            throw located
        }
    }

    func double(_ field: ChaosScenario.Field) throws(ChaosScenarioError) -> Double? {
        guard !absent(field) else { return nil }
        if let number = try? container.decode(Double.self, forKey: field) { return number }
        if let text = try? container.decode(String.self, forKey: field), let number = Double(text) { return number }
        throw wrongType(field, "a number")
    }

    func int(_ field: ChaosScenario.Field) throws(ChaosScenarioError) -> Int? {
        guard let number = try double(field) else { return nil }
        guard number == number.rounded(), abs(number) < 1e15 else { throw wrongType(field, "a whole number") }
        return Int(number)
    }

    /// A whole number within 0…2⁶⁴−1, kept exact (an integer or digits in a string).
    func seed(_ field: ChaosScenario.Field) throws(ChaosScenarioError) -> UInt64? {
        guard !absent(field) else { return nil }
        if let seed = try? container.decode(UInt64.self, forKey: field) { return seed }
        if let text = try? container.decode(String.self, forKey: field), let seed = UInt64(text) { return seed }
        if let number = try? container.decode(Double.self, forKey: field), number < 0 {
            throw ChaosScenarioError(.outOfRange, "seed must not be negative", field: field.rawValue)
        }
        throw wrongType(field, "a whole number within 0…18446744073709551615")
    }

    func string(_ field: ChaosScenario.Field) throws(ChaosScenarioError) -> String? {
        guard !absent(field) else { return nil }
        if let text = try? container.decode(String.self, forKey: field) { return text }
        throw wrongType(field, "a string")
    }

    /// A string, a number, or a list of them.
    func strings(_ field: ChaosScenario.Field) throws(ChaosScenarioError) -> [String]? {
        guard !absent(field) else { return nil }
        if let one = try? container.decode(Scalar.self, forKey: field) { return [one.text] }
        if let list = try? container.decode([Scalar].self, forKey: field) { return list.map(\.text) }
        throw wrongType(field, "a string, a number, or a list of them")
    }
}

/// A string or a number, as header text: whole numbers without a fraction (`2`, not `2.0`); others,
/// and whole numbers too large for `Int` (`1e300`), as Swift prints them.
private struct Scalar: Decodable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            text = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        } else {
            text = try container.decode(String.self)
        }
    }
}
