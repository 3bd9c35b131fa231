import Triage

/// What the supervisor decided after a stream ended or a request failed: the failure kind, the
/// decision, what comes next, how long to wait first and why.
public struct WatchVerdict: Sendable, Hashable, CustomStringConvertible {
    /// What to do after the wait.
    public enum Next: Sendable, Hashable {
        /// Watch again from the last resourceVersion seen.
        case watch
        /// List again: from the last resourceVersion seen, or from the latest (`resourceVersion=""`, a
        /// consistent read) when `fromLatest`.
        case relist(fromLatest: Bool)
        /// Stop: the failure is permanent (a 400, an untrusted certificate, ...).
        case giveUp
    }

    /// Where the delay came from.
    public enum DelaySource: Sendable, Hashable {
        /// No wait.
        case none
        /// The backoff ladder: its rung (1 for the first failure), the ceiling, the random draw.
        case backoff(rung: Int, ceiling: Duration, random: Double?)
        /// A delay the server named (Retry-After, `retryAfterSeconds`).
        case retryAfter
    }

    public var kind: FailureKind
    public var decision: Decision
    public var next: Next
    /// The wait before the next request.
    public var delay: Duration
    public var delaySource: DelaySource
    /// Why, in a sentence.
    public var reason: String
    /// The watch cannot make progress for now (401, 403, 404): reported, retried at the capped backoff.
    public var degraded: Bool
    /// The HTTP status or the ERROR event's code, when there was one.
    public var status: Int?

    public init(kind: FailureKind, decision: Decision, next: Next, delay: Duration = .zero, delaySource: DelaySource = .none,
                reason: String, degraded: Bool = false, status: Int? = nil) {
        self.kind = kind
        self.decision = decision
        self.next = next
        self.delay = delay
        self.delaySource = delaySource
        self.reason = reason
        self.degraded = degraded
        self.status = status
    }

    public var description: String {
        "\(kind.id): \(decision), wait \(delay.triageSeconds) s (\(reason))"
    }

    /// The verdict as the engine's ``Triage/DecisionRecord``, for observers and telemetry.
    public func record(attempt: Int, elapsed: Duration) -> DecisionRecord {
        let source: DecisionRecord.DelaySource? = switch delaySource {
        case .none: nil
        case .backoff(_, let ceiling, let random): .backoff(.equalJitter, ceiling: ceiling, random: random)
        case .retryAfter: .retryAfter
        }
        let rule: DecisionRecord.Rule = switch delaySource {
        case .none: next == .giveUp ? .decisionNotRetried : .succeeded
        case .backoff: .backoff
        case .retryAfter: .waitAsNamed
        }
        return DecisionRecord(attempt: attempt, kind: kind, decision: decision, status: status,
                              retryAfter: delaySource == .retryAfter ? delay : nil,
                              action: next == .giveUp ? .gaveUp : .retry, delay: delay, delaySource: source, rule: rule,
                              elapsed: elapsed, budgetLevel: nil, breakerPhase: nil)
    }
}
