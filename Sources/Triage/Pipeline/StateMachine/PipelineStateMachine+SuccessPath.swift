extension PipelineStateMachine {
    /// A success reported to the budget and, under `ticket`, the breaker: what ``attemptSucceeded(now:)``
    /// does for them, and all the success path does (``Pipeline/run(idempotent:refresh:_:)`` builds no
    /// machine when the first attempt succeeds). On a healthy dependency neither takes a lock.
    @inlinable
    static func recordSuccess(ticket: CircuitBreakerState.Ticket?, budget: RetryBudget?, breaker: CircuitBreaker?,
                              now: Duration) {
        budget?.recordSuccess()
        if let ticket { breaker?.report(ticket, success: true, counted: true, retryAfter: nil, now: now) }
    }

    /// The rejection of attempt 1 by an open breaker when the retry rules give up on it at once (no
    /// attempts left, a wait above the cap or past the deadline): decided on the rejection's parts with
    /// ``verdict(decision:mayHaveActed:retryAfter:namedByBreaker:number:idempotent:canRefresh:now:deadline:previousDelay:retry:random:)``,
    /// without the breaker's lock and without building a `Failure` (an open breaker's rejection has a
    /// time target: ≤ 200 ns, no allocation). `nil` when the breaker lets the call through or its open
    /// time will be waited out (the machine does that).
    @inlinable
    static func immediateRejection(by breaker: CircuitBreaker, at start: Duration, deadline: Duration?, idempotent: Bool,
                                   canRefresh: Bool, retry: RetryPolicy, budget: RetryBudget?,
                                   random: RandomSource) -> BreakerRejection? {
        guard let remaining = breaker.openRemaining(now: start) else { return nil }
        let decision = Failure.defaultDecision(for: .circuitOpen, retryAfter: remaining)
        let verdict = verdict(
            decision: decision, mayHaveActed: false, retryAfter: remaining, namedByBreaker: true, number: 1,
            idempotent: idempotent, canRefresh: canRefresh, now: start, deadline: deadline.map { start + $0 }, previousDelay: nil,
            retry: retry, random: random)
        guard verdict.action == .gaveUp else { return nil }
        return BreakerRejection(remaining: remaining, rule: verdict.rule, decision: decision, delayed: verdict.delay != nil,
                                budgetLevel: budget?.level)
    }
}
