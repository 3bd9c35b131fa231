/// A chaos scenario (flags, a scenario file, or a `POST /_chaos/scenario` body) that cannot work.
public struct ChaosScenarioError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; stable for tests and scripts.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The stable name, e.g. `"outOfRange"`.
        public let name: String
        /// The file could not be read.
        public static let unreadable = Code(name: "unreadable")
        /// The text is not valid JSON, or a field has the wrong type.
        public static let malformed = Code(name: "malformed")
        /// A field name nobody knows (a typo, usually).
        public static let unknownField = Code(name: "unknownField")
        /// A value outside its allowed range.
        public static let outOfRange = Code(name: "outOfRange")
        /// A latency spec that does not parse.
        public static let invalidLatency = Code(name: "invalidLatency")
        /// A fault or error-body name that is not known.
        public static let unknownName = Code(name: "unknownName")
        /// The name.
        public var description: String { name }
    }

    /// What kind of problem it is.
    public var code: Code
    /// What is wrong, for a person.
    public var message: String
    /// The field it is about (`error_rate`), when it is about one.
    public var field: String?
    /// The line of the text the field is on (from 1), when the scenario came from text.
    public var line: Int?

    /// An error of kind `code` explained by `message`, about `field` on `line` when given.
    public init(_ code: Code, _ message: String, field: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.line = line
    }

    /// `line N: message`, or the message alone.
    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}
