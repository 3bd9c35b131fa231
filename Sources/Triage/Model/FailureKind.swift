import Synchronization

/// What a failure was, as one of the stable kinds of taxonomy.md (`"connect.refused"`, `"http.throttled"`, ...).
///
/// Kinds are values with static members rather than a closed enum, so a library can add its own kinds
/// without breaking anyone's `switch`. Two kinds are equal when their ``id``s are equal.
///
/// Every kind carries its default ``Decision`` and ``Delivery``; a classifier may refine both for one
/// failure (``Failure`` holds the refined values).
///
/// A kind is one word: its declaration is interned for the life of the process, so copying a kind
/// costs no reference counting and comparing two is an integer comparison. Declare kinds once, as
/// `static let`s; making kinds from unbounded input (ids read from a network) keeps each distinct
/// declaration alive.
public struct FailureKind: Sendable, Hashable, CustomStringConvertible {
    /// The interned declaration; never freed (the registry holds it), hence `unowned(unsafe)`.
    @usableFromInline unowned(unsafe) let declaration: Declaration

    /// The stable string id: safe to switch on, log, and use as a metric label.
    public var id: String { declaration.id }
    /// The decision for this kind when nothing more specific is known.
    @inlinable public var defaultDecision: Decision { declaration.defaultDecision }
    /// The delivery state for this kind when nothing more specific is known.
    @inlinable public var defaultDelivery: Delivery { declaration.defaultDelivery }
    /// A short human phrase, e.g. "connection refused".
    public var summary: String { declaration.summary }

    /// Declares a kind. Use a dotted id in your own namespace (`"myapi.quotaExceeded"`).
    public init(id: String, decision: Decision, delivery: Delivery, summary: String) {
        declaration = Declaration.intern(id: id, decision: decision, delivery: delivery, summary: summary)
    }

    @inlinable
    public static func == (lhs: FailureKind, rhs: FailureKind) -> Bool { lhs.declaration.identity == rhs.declaration.identity }
    public func hash(into hasher: inout Hasher) { hasher.combine(declaration.identity) }
    public var description: String { id }

    /// The kind's group, the part of the id before the first dot (`"http"`, `"tls"`, `"dns"`).
    public var family: Substring { id.prefix { $0 != "." } }

    /// `true` for the kinds that are an HTTP response's status (`http.*`).
    public var isHTTPStatus: Bool { id.hasPrefix("http.") }

    /// One declared kind. `identity` is the same number for every declaration of one id, and only for it.
    @usableFromInline
    final class Declaration: Sendable {
        let id: String
        @usableFromInline let defaultDecision: Decision
        @usableFromInline let defaultDelivery: Delivery
        let summary: String
        @usableFromInline let identity: Int

        private init(id: String, decision: Decision, delivery: Delivery, summary: String, identity: Int) {
            self.id = id
            self.defaultDecision = decision
            self.defaultDelivery = delivery
            self.summary = summary
            self.identity = identity
        }

        /// Every declaration so far, by id: one identity per id, and each distinct declaration once.
        private static let registry = LockedValue<[String: (identity: Int, declarations: [Declaration])]>([:])

        static func intern(id: String, decision: Decision, delivery: Delivery, summary: String) -> Declaration {
            registry.withLock { registry in
                let known = registry[id] ?? (identity: registry.count, declarations: [])
                if let same = known.declarations.first(where: {
                    $0.defaultDecision == decision && $0.defaultDelivery == delivery && $0.summary == summary
                }) {
                    return same
                }
                let declaration = Declaration(id: id, decision: decision, delivery: delivery, summary: summary, identity: known.identity)
                registry[id] = (known.identity, known.declarations + [declaration])
                return declaration
            }
        }
    }
}
