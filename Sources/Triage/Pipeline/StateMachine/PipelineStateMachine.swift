/// Everything one ``Pipeline/run(idempotent:refresh:_:)`` decides, as a synchronous state machine with
/// no clock and no task: events in (``start(now:cancelled:)``, ``attemptSucceeded(now:)``,
/// ``attemptFailed(_:now:cancelled:)``, ``hedgeTimerFired(now:)``, ``refreshFinished(now:cancelled:)``,
/// ``slotGranted(now:)``, ...), an ``Action`` out for the shell to carry out.
///
/// The rules, in the order they apply to an attempt: cancellation, breaker admission (a ticket that is
/// reported or released on every way out), adaptive throttle, the overall deadline, the bulkhead slot,
/// then the attempt with its time limit and hedges. After a failure: classification of timeouts,
/// the breaker, budget and throttle hear of it, the retry rules give a verdict
/// (``verdict(decision:mayHaveActed:retryAfter:namedByBreaker:number:idempotent:canRefresh:now:deadline:previousDelay:retry:random:)``),
/// the budget may refuse the retry, and the decision record is kept in ``history``.
///
/// Times are `Duration`s since the pipeline's epoch, read by the shell and passed in with each event,
/// so the same machine runs on a real clock (``Pipeline``) and in virtual time (the simulations).
/// The shared policies (breaker, budget, throttle, hedging latencies) are reached synchronously under
/// their own locks. An event that does not fit the current state is a bug in the shell and traps.
@usableFromInline
package struct PipelineStateMachine: Sendable {
    /// What the machine decides with: the pipeline's policies and the call's own options.
    @usableFromInline
    package struct Configuration: Sendable {
        package var retry: RetryPolicy
        package var budget: RetryBudget?
        package var breaker: CircuitBreaker?
        package var throttle: AdaptiveThrottle?
        /// Used only when the call is idempotent.
        package var hedging: HedgingPolicy?
        /// The latencies percentile hedge delays follow, shared by the calls of one pipeline; `nil`
        /// when none are kept (a percentile delay is then its fallback).
        package var latencies: LatencyTracker?
        /// Whether each attempt first waits for a bulkhead slot (``Action/waitForSlot(until:isOverallDeadline:)``).
        package var usesBulkhead: Bool
        /// The overall limit from ``start(now:cancelled:)``; `nil`: none.
        @usableFromInline package var deadline: Duration?
        /// One attempt's limit; `nil`: none.
        package var attemptTimeout: Duration?
        package var classifier: ClassifierChain
        package var random: RandomSource
        package var idempotent: Bool
        /// Whether the caller gave a refresh step.
        package var canRefresh: Bool
        /// Whether a success is recorded even when no failure came before it (someone listens).
        package var recordsEverySuccess: Bool

        @usableFromInline
        package init(retry: RetryPolicy, budget: RetryBudget? = nil, breaker: CircuitBreaker? = nil,
                     throttle: AdaptiveThrottle? = nil, hedging: HedgingPolicy? = nil, usesBulkhead: Bool = false,
                     deadline: Duration? = nil, attemptTimeout: Duration? = nil, classifier: ClassifierChain = .core,
                     random: RandomSource = .system, idempotent: Bool = false, canRefresh: Bool = false,
                     recordsEverySuccess: Bool = false, latencies: LatencyTracker? = nil) {
            self.latencies = latencies
            self.retry = retry
            self.budget = budget
            self.breaker = breaker
            self.throttle = throttle
            self.hedging = hedging
            self.usesBulkhead = usesBulkhead
            self.deadline = deadline
            self.attemptTimeout = attemptTimeout
            self.classifier = classifier
            self.random = random
            self.idempotent = idempotent
            self.canRefresh = canRefresh
            self.recordsEverySuccess = recordsEverySuccess
        }
    }

    /// One attempt (or hedge) to send.
    @usableFromInline
    package struct Attempt: Sendable, Equatable {
        /// 1 for the first attempt; a hedge carries its attempt's number.
        @usableFromInline package var number: Int
        /// The failure of the attempt before, if any.
        @usableFromInline package var previousFailure: Failure?
        /// When it must be done (a time since the epoch): the sooner of the attempt timeout and the
        /// overall deadline, measured from the attempt's start; `nil` when neither is set.
        @usableFromInline package var deadline: Duration?
        /// The time it has from when it is sent; `nil` when unlimited.
        @usableFromInline package var timeLimit: Duration?
        /// Whether ``deadline`` is the overall deadline rather than the attempt timeout.
        @usableFromInline package var limitIsDeadline: Bool

        package init(number: Int, previousFailure: Failure?, deadline: Duration?, timeLimit: Duration?, limitIsDeadline: Bool) {
            self.number = number
            self.previousFailure = previousFailure
            self.deadline = deadline
            self.timeLimit = timeLimit
            self.limitIsDeadline = limitIsDeadline
        }

        /// Compares the previous failures by kind: `Failure` is not `Equatable` (its cause is any error).
        @usableFromInline package static func == (lhs: Attempt, rhs: Attempt) -> Bool {
            lhs.number == rhs.number && lhs.deadline == rhs.deadline && lhs.timeLimit == rhs.timeLimit
                && lhs.limitIsDeadline == rhs.limitIsDeadline && lhs.previousFailure?.kind == rhs.previousFailure?.kind
        }
    }

    /// What the shell does next.
    @usableFromInline
    package enum Action: Sendable, Equatable {
        /// Send `attempt`; when `hedgeAfter` is set, report ``hedgeTimerFired(now:)`` after that long
        /// if the attempt is still running.
        case run(Attempt, hedgeAfter: Duration?)
        /// Take a bulkhead slot, waiting at most until `until` (a time since the epoch; `nil`: as long
        /// as it takes); then ``slotGranted(now:)`` or ``slotRefused(_:now:)``.
        case waitForSlot(until: Duration?, isOverallDeadline: Bool)
        /// Send `attempt` beside the ones running; when `rearmAfter` is set, start the hedge timer again.
        case hedge(Attempt, rearmAfter: Duration?)
        /// No hedge now (the budget refused it); start the hedge timer again.
        case startHedgeTimer(Duration)
        /// Wait `delay`, then ``sleepFinished(now:cancelled:)`` (or ``sleepFailed(_:)``).
        case sleep(Duration)
        /// Run the caller's refresh step for `failure`, then ``refreshFinished(now:cancelled:)`` (or ``refreshFailed(_:)``).
        case refresh(Failure)
        /// Nothing to do until the next event (other hedges are still running).
        case wait
        /// Return the attempt's value.
        case succeed
        /// Throw `failure` (its ``Failure/history`` filled in).
        case fail(Failure)

        @usableFromInline package static func == (lhs: Action, rhs: Action) -> Bool {
            switch (lhs, rhs) {
            case let (.run(a, x), .run(b, y)): a == b && x == y
            case let (.waitForSlot(a, x), .waitForSlot(b, y)): a == b && x == y
            case let (.hedge(a, x), .hedge(b, y)): a == b && x == y
            case let (.startHedgeTimer(a), .startHedgeTimer(b)): a == b
            case let (.sleep(a), .sleep(b)): a == b
            case let (.refresh(a), .refresh(b)): a.kind == b.kind
            case (.wait, .wait), (.succeed, .succeed): true
            case let (.fail(a), .fail(b)): a.kind == b.kind && a.delivery == b.delivery
            default: false
            }
        }
    }

    /// An attempt admitted and under way.
    struct Running: Sendable {
        var ticket: CircuitBreakerState.Ticket?
        var deadline: Duration?
        var limitIsDeadline: Bool
        /// When it was handed to the operation (after any bulkhead wait): hedging latencies start here.
        var sentAt: Duration
        /// Sends (the attempt and its hedges) not yet ended.
        var inFlight = 1
        var hedgesLeft = 0
    }

    enum State: Sendable {
        case idle
        case waitingForSlot(Running)
        case running(Running)
        /// The refresh step runs; then wait `delay` (if any) before the next attempt.
        case refreshing(delay: Duration?)
        case sleeping
        case finished
    }

    let configuration: Configuration
    var state = State.idle
    /// The operation's start (a time since the epoch).
    var start: Duration = .zero
    /// The attempt being made or next to make (1 for the first).
    var number = 0
    var previousDelay: Duration?
    var previousFailure: Failure?
    /// Every decision so far, in order.
    @usableFromInline package internal(set) var history = DecisionHistory()

    @usableFromInline
    package init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    var overallDeadline: Duration? { configuration.deadline.map { start + $0 } }
    var hedging: HedgingPolicy? { configuration.idempotent ? configuration.hedging : nil }
}
