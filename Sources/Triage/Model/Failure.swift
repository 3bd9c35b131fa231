/// One classified failure: what it was, whether the server could have acted on it, and what to do now.
///
/// A `Failure` is itself an `Error`, so Triage's APIs throw it; the original error is kept in
/// ``underlying``. Classification builds it without allocating when the detail is a string literal.
public struct Failure: Error, Sendable, CustomStringConvertible {
    /// What the failure was.
    public var kind: FailureKind
    /// What the caller should do. Starts as the kind's default, adjusted for a named delay.
    public var decision: Decision
    /// Whether the server could have acted on the request.
    public var delivery: Delivery
    /// A delay somebody named (Retry-After, Kubernetes `retryAfterSeconds`, an open breaker), if any.
    public var retryAfter: Duration?
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The API error decoded from the response body, when there was one.
    public var api: APIErrorInfo? {
        get { apiBox?.value }
        set { apiBox = newValue.map(APIErrorBox.init) }
    }
    /// The error that was classified, when there was one (`nil` for a bare HTTP response).
    public var underlying: (any Error)?
    /// What the classifier saw, in a few words (`"ECONNREFUSED"`, `"CERTIFICATE_VERIFY_FAILED"`); may be empty.
    public var detail: String
    /// Every attempt of the operation and the decision after it, when a ``Pipeline`` ran it (empty otherwise).
    public var history: DecisionHistory
    /// ``api`` out of line: a decoded body is rare and large (about 280 bytes), and a failure is copied
    /// on every throw.
    @usableFromInline var apiBox: APIErrorBox?
}

// The initialisers live in an extension so that the struct keeps its memberwise initialiser, which
// builds a failure in place; a custom initialiser builds it in a local and copies it out (a retain and
// a release of every reference field), which a rejection by an open breaker cannot afford.
extension Failure {
    /// Creates a failure; `decision` and `delivery` default to the kind's, and a named delay on a
    /// kind whose default is `retry` (or on `http.payloadTooLarge`) turns the decision into `retryAfter`.
    @inlinable
    public init(
        _ kind: FailureKind,
        decision: Decision? = nil,
        delivery: Delivery? = nil,
        retryAfter: Duration? = nil,
        status: Int? = nil,
        api: APIErrorInfo? = nil,
        underlying: (any Error)? = nil,
        detail: String = "",
        history: DecisionHistory = DecisionHistory()
    ) {
        self.kind = kind
        self.decision = decision ?? Failure.defaultDecision(for: kind, retryAfter: retryAfter)
        self.delivery = delivery ?? kind.defaultDelivery
        self.retryAfter = retryAfter
        self.status = status
        self.apiBox = api.map(APIErrorBox.init)
        self.underlying = underlying
        self.detail = detail
        self.history = history
    }

    /// An open breaker's rejection of attempt 1, with its record: built out of line, in place.
    @usableFromInline
    static func breakerRejection(_ rejection: BreakerRejection) -> Failure {
        Failure(kind: .circuitOpen, decision: rejection.decision, delivery: FailureKind.circuitOpen.defaultDelivery,
                retryAfter: rejection.remaining, status: nil, underlying: nil, detail: "circuit open",
                history: DecisionHistory(rejection), apiBox: nil)
    }

    /// The taxonomy rule for a named delay: `retry` becomes `retryAfter`; so does 413's `fail`.
    @inlinable
    public static func defaultDecision(for kind: FailureKind, retryAfter: Duration?) -> Decision {
        let decision = kind.defaultDecision
        guard retryAfter != nil else { return decision }
        switch decision {
        case .retry: return .retryAfter
        case .fail: return kind == .httpPayloadTooLarge ? .retryAfter : decision
        default: return decision
        }
    }

    /// `true` when the decision is `retry` or `retryAfter`.
    public var isRetryable: Bool { decision.isRetryable }

    /// One line for people: `connection refused (ECONNREFUSED): retry, notSent`.
    public var explanation: String {
        var text = kind.summary
        if !detail.isEmpty { text += " (\(detail))" }
        text += ": \(decision), \(delivery)"
        if let retryAfter { text += ", retry after \(retryAfter.triageSeconds) s" }
        return text
    }

    public var description: String { "\(kind.id): \(explanation)" }
}

extension Duration {
    /// The duration in seconds as a `Double` (attoseconds included).
    public var triageSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Holds a ``Failure``'s decoded API error out of line.
@usableFromInline
final class APIErrorBox: Sendable {
    let value: APIErrorInfo
    @usableFromInline init(_ value: APIErrorInfo) { self.value = value }
}
