/// What happened in one attempt and what was decided after it: the explanation behind every retry.
public struct DecisionRecord: Sendable, CustomStringConvertible {
    /// Where a delay came from.
    public enum DelaySource: Sendable, Hashable {
        /// The backoff formula: its strategy, the ceiling before jitter, and the random draw in [0, 1).
        case backoff(Backoff.Strategy, ceiling: Duration, random: Double?)
        /// A delay the server named (Retry-After, `retryAfterSeconds`, ...).
        case retryAfter
        /// An open circuit breaker's remaining time.
        case breaker
    }

    /// What the engine did after the attempt.
    public enum Action: Sendable, Hashable {
        case succeeded
        case retry
        case refreshAndRetry
        case gaveUp
    }

    /// 1 for the first attempt.
    public var attempt: Int
    /// The attempt's failure kind; `nil` when it succeeded.
    public var kind: FailureKind?
    /// The failure's decision; `nil` when it succeeded.
    public var decision: Decision?
    /// The HTTP status of the attempt's failure, when a response arrived.
    public var status: Int?
    /// The delay the failure named (Retry-After, ...), whether or not it was waited out.
    public var namedDelay: Duration?
    public var action: Action
    /// The wait before the next attempt, when there is one.
    public var delay: Duration?
    public var delaySource: DelaySource?
    /// Why, in one sentence ("503 is transient; the server asked for 2 s (Retry-After)").
    public var reason: String
    /// Time from the operation's start to the end of this attempt.
    public var elapsed: Duration
    /// The retry budget's tokens after this decision, when a budget is in use.
    public var budgetLevel: Double?
    /// The breaker's phase after this attempt, when a breaker is in use.
    public var breakerPhase: CircuitBreakerState.Phase?

    public var description: String {
        var text = "attempt \(attempt): \(kind?.id ?? "ok") → \(action)"
        if let delay { text += " after \(delay)" }
        return text + " (\(reason))"
    }
}
