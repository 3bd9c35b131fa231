import Foundation
import Triage

/// Builds the benchmark JSON by hand: fixed key order and number format, so the same seed prints
/// the same bytes.
struct JSONText {
    private var fields: [String] = []

    mutating func add(_ key: String, _ value: String) { fields.append("\"\(key)\": \(JSONString.quoted(value))") }
    mutating func add(_ key: String, _ value: Int) { fields.append("\"\(key)\": \(value)") }
    /// A number with `digits` decimals; `nil`, NaN and infinities print as `null`.
    mutating func add(_ key: String, _ value: Double?, digits: Int = 3) {
        fields.append("\"\(key)\": \(JSONText.number(value, digits: digits))")
    }
    mutating func add(raw key: String, _ json: String) { fields.append("\"\(key)\": \(json)") }

    var object: String { "{" + fields.joined(separator: ", ") + "}" }

    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "null" }
        return String(format: "%.\(digits)f", value)
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}
