/// An error of the outbox itself (bad input, bad configuration, a store that cannot be used).
///
/// Backpressure is not one of these: it throws a `Failure` of kind `outbox.full`.
public struct OutboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let id: String
        public init(_ id: String) { self.id = id }
        public var description: String { id }

        /// A message is malformed (an empty destination or key).
        public static let invalidMessage = Code("outbox.invalidMessage")
        /// A configuration field is out of range.
        public static let invalidConfiguration = Code("outbox.invalidConfiguration")
        /// The store cannot be opened or used.
        public static let storeUnavailable = Code("outbox.storeUnavailable")
    }

    public var code: Code
    /// What happened, for people; never holds a message's payload or headers.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
