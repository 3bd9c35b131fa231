/// Could the server have acted on the request? (taxonomy.md, "Delivery").
public enum Delivery: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No request byte could have reached the server (DNS, connect, TLS handshake, local rejection).
    case notSent
    /// The request was (maybe partly) sent and no complete response came back.
    case maybeProcessed
    /// A complete response arrived (any status).
    case processed

    /// The stable string id.
    public var id: String { rawValue }

    public var description: String { rawValue }

    /// Whether a request that is *not* idempotent may be sent again after this delivery state.
    ///
    /// `notSent` is always safe; `maybeProcessed` and `processed` only when `idempotent` (an idempotent
    /// method, an idempotency key or an explicit opt-in). The Pipeline reads a failure more closely:
    /// ``Failure/serverMayHaveActed`` lets a response that says it was not acted on (408, 425, 429, 503)
    /// be resent even so.
    public func allowsReplay(idempotent: Bool) -> Bool {
        switch self {
        case .notSent: true
        case .maybeProcessed: idempotent
        case .processed: idempotent
        }
    }
}
