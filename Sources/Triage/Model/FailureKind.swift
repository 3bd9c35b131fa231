/// What a failure was, as one of the stable kinds of taxonomy.md (`"connect.refused"`, `"http.throttled"`, ...).
///
/// Kinds are values with static members rather than a closed enum, so a library can add its own kinds
/// without breaking anyone's `switch`. Two kinds are equal when their ``id``s are equal.
///
/// Every kind carries its default ``Decision`` and ``Delivery``; a classifier may refine both for one
/// failure (``Failure`` holds the refined values).
public struct FailureKind: Sendable, Hashable, CustomStringConvertible {
    /// The stable string id: safe to switch on, log, and use as a metric label.
    public let id: String
    /// The decision for this kind when nothing more specific is known.
    public let defaultDecision: Decision
    /// The delivery state for this kind when nothing more specific is known.
    public let defaultDelivery: Delivery
    /// A short human phrase, e.g. "connection refused".
    public let summary: String

    /// Declares a kind. Use a dotted id in your own namespace (`"myapi.quotaExceeded"`).
    public init(id: String, decision: Decision, delivery: Delivery, summary: String) {
        self.id = id
        self.defaultDecision = decision
        self.defaultDelivery = delivery
        self.summary = summary
    }

    public static func == (lhs: FailureKind, rhs: FailureKind) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { id }

    /// The kind's group, the part of the id before the first dot (`"http"`, `"tls"`, `"dns"`).
    public var family: Substring { id.prefix { $0 != "." } }

    /// `true` for the kinds that are an HTTP response's status (`http.*`).
    public var isHTTPStatus: Bool { id.hasPrefix("http.") }
}
