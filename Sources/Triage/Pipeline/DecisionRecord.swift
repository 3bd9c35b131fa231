/// What happened in one attempt and what was decided after it: the explanation behind every retry.
///
/// The sentence in ``reason`` is written only when somebody reads it, so recording a decision costs
/// no string work on the hot path.
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

    /// The rule that decided, with the values it used; ``reason`` renders it.
    public enum Rule: Sendable, Hashable {
        case succeeded
        /// The failure's decision is not among the policy's retried decisions.
        case decisionNotRetried
        /// A `refresh` failure and no refresh step was given.
        case noRefreshStep
        /// The request may have been processed and the operation is not idempotent.
        case notIdempotent
        /// The last allowed attempt failed.
        case attemptsSpent(maximumAttempts: Int)
        /// The named delay is above the policy's cap: the caller should reschedule.
        case retryAfterAboveCap(cap: Duration)
        /// Waiting as the failure asked (Retry-After or an open breaker).
        case waitAsNamed
        /// Backing off by the policy's formula.
        case backoff
        /// Refreshing, then retrying.
        case refresh
        /// Waiting would pass the overall deadline.
        case deadlineWouldPass
        /// The retry budget refused one more retry.
        case budgetSpent
    }

    /// 1 for the first attempt.
    public var attempt: Int
    /// The attempt's failure kind; `nil` when it succeeded.
    public var kind: FailureKind?
    /// The failure's decision; `nil` when it succeeded.
    public var decision: Decision?
    public var action: Action
    /// The rule that decided.
    public var rule: Rule
    public var delaySource: DelaySource?
    /// The breaker's phase after this attempt, when a breaker is in use.
    public var breakerPhase: CircuitBreakerState.Phase?

    /// The HTTP status of the attempt's failure, when a response arrived.
    public var status: Int?
    /// The delay the failure named (Retry-After, ...), whether or not it was waited out.
    public var retryAfter: Duration?
    /// The wait before the next attempt, when there is one.
    public var delay: Duration?
    /// Time from the operation's start to the end of this attempt.
    public var elapsed: Duration
    /// The retry budget's tokens after this decision, when a budget is in use.
    public var budgetLevel: Double?

    @inlinable
    public init(attempt: Int, kind: FailureKind?, decision: Decision?, status: Int?, retryAfter: Duration?, action: Action,
                delay: Duration?, delaySource: DelaySource?, rule: Rule, elapsed: Duration, budgetLevel: Double?,
                breakerPhase: CircuitBreakerState.Phase?) {
        self.attempt = attempt
        self.kind = kind
        self.decision = decision
        self.action = action
        self.rule = rule
        self.delaySource = delaySource
        self.breakerPhase = breakerPhase
        self.status = status
        self.retryAfter = retryAfter
        self.delay = delay
        self.elapsed = elapsed
        self.budgetLevel = budgetLevel
    }

    /// Why, in one sentence ("503 is transient; wait 2 seconds as asked").
    public var reason: String {
        let what = status.map { "\($0)" } ?? kind?.summary ?? "the attempt"
        switch rule {
        case .succeeded:
            return "succeeded"
        case .decisionNotRetried:
            return "\(what): decision \(decision?.id ?? "none") is not retried"
        case .noRefreshStep:
            return "\(what) needs a refresh and none was given"
        case .notIdempotent:
            return "\(what) may have been processed and the operation is not idempotent"
        case .attemptsSpent(let maximumAttempts):
            return "\(what): gave up after \(attempt) attempt\(attempt == 1 ? "" : "s") (maximumAttempts \(maximumAttempts))"
        case .retryAfterAboveCap(let cap):
            return "\(what): asked for \(retryAfter ?? .zero), above the \(cap) cap; reschedule instead"
        case .waitAsNamed:
            let who = delaySource == .breaker ? "the breaker is open" : "the server asked (Retry-After)"
            return "\(what) is transient; wait \(delay ?? .zero) as \(who)"
        case .backoff:
            if case .backoff(let strategy, _, _)? = delaySource {
                return "\(what) is transient; back off \(delay ?? .zero) (\(strategy))"
            }
            return "\(what) is transient; back off \(delay ?? .zero)"
        case .refresh:
            return "\(what) is a conflict; refresh, then retry after \(delay ?? .zero)"
        case .deadlineWouldPass:
            return "\(what): waiting \(delay ?? .zero) would pass the overall deadline"
        case .budgetSpent:
            return "\(what): the retry budget is spent (\(Int(budgetLevel ?? 0)) tokens left)"
        }
    }

    public var description: String {
        var text = "attempt \(attempt): \(kind?.id ?? "ok") → \(action)"
        if let delay { text += " after \(delay)" }
        return text + " (\(reason))"
    }
}
