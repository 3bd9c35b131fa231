import Foundation
import Triage

/// What the runner does after one attempt of a handler, or instead of one.
public enum HandlerOutcome: Sendable, Hashable {
    /// The change is handled.
    case succeeded
    /// Run the handler again after the delay.
    case retry(after: Duration)
    /// The change failed for good: not run again until the object changes.
    case failed
    /// The error was recorded and the change counts as handled (``ErrorsMode/ignored``).
    case ignored

    /// `true` when no further attempt follows.
    public var isFinal: Bool {
        if case .retry = self { return false }
        return true
    }
}

/// What an attempt threw, in the terms the rules use.
public enum HandlerThrown: String, Sendable, Hashable {
    /// A ``TemporaryError``.
    case temporary
    /// A ``PermanentError``.
    case permanent
    /// Nothing: the invocation was cancelled at ``HandlerOptions/attemptTimeout`` (``HandlerAttemptTimeout``).
    case attemptTimeout
    /// Any other error.
    case arbitrary
}

/// The verdict on one attempt: the outcome, what the failure was, why, and the progress to store.
public struct HandlerJudgement: Sendable {
    /// What happens next.
    public var outcome: HandlerOutcome
    /// The failure's kind (`handler.temporary`, `handler.timeout`, a classified kind, ...), `nil` on success.
    public var kind: FailureKind?
    /// What the attempt threw; `nil` for a success or a verdict reached without running the handler.
    public var thrown: HandlerThrown?
    /// The failure's message (the error's text), `nil` on success.
    public var message: String?
    /// Which rule chose the outcome and where its delay came from.
    public var reason: String
    /// The handler's progress after this verdict.
    public var progress: HandlerProgress

    public init(outcome: HandlerOutcome, kind: FailureKind? = nil, thrown: HandlerThrown? = nil, message: String? = nil,
                reason: String, progress: HandlerProgress) {
        self.outcome = outcome
        self.kind = kind
        self.thrown = thrown
        self.message = message
        self.reason = reason
        self.progress = progress
    }
}
