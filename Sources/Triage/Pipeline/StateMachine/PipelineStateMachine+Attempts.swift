extension PipelineStateMachine {
    /// The first attempt's limit: the sooner of the attempt timeout and the overall deadline, and
    /// whether it is the deadline.
    static func firstLimit(deadline: Duration?, attemptTimeout: Duration?) -> (Duration?, isDeadline: Bool) {
        guard let deadline else { return (attemptTimeout, false) }
        guard let attemptTimeout, attemptTimeout <= deadline else { return (deadline, true) }
        return (attemptTimeout, false)
    }

    /// The next attempt at `now`: cancellation, breaker admission, the adaptive throttle, the overall
    /// deadline, then the bulkhead slot or the send. An attempt refused before it is sent reports
    /// nothing to the breaker (its ticket is given back) nor to the budget.
    mutating func beginAttempt(now: Duration, cancelled: Bool) -> Action {
        number += 1
        if cancelled {
            return decide(Failure(.cancelled, delivery: .notSent, detail: "cancelled before the attempt"), now: now, cancelled: true)
        }
        var ticket: CircuitBreakerState.Ticket?
        if let breaker = configuration.breaker {
            switch breaker.admitTicket(now: now) {
            case .admitted(let admitted):
                ticket = admitted
            case .rejected(let remaining?):
                return decide(Failure(.circuitOpen, retryAfter: remaining, detail: "circuit open"), now: now, cancelled: false)
            case .rejected(remaining: nil):
                // Half-open with its probes in flight: no time to name, so the backoff formula decides
                // (a zero delay would send every waiting caller straight back).
                return decide(Failure(.circuitOpen, decision: .retry, detail: "circuit half-open, probes in flight"), now: now,
                              cancelled: false)
            }
        }
        if let throttle = configuration.throttle, !throttle.allow(now: now, random: configuration.random.fraction()) {
            throttle.record(accepted: false, now: now)
            if let ticket { configuration.breaker?.release(ticket) }
            return decide(Failure(.concurrencyLimited, delivery: .notSent, detail: "adaptive throttle"), now: now, cancelled: false)
        }
        var limit = configuration.attemptTimeout
        var limitIsDeadline = false
        if let deadline = overallDeadline {
            let left = deadline - now
            if left <= .zero {
                if let ticket { configuration.breaker?.release(ticket) }
                return decide(Failure(.deadlineExceeded, delivery: .notSent, detail: "deadline spent before the attempt"), now: now,
                              cancelled: false)
            }
            if limit.map({ left < $0 }) ?? true {
                limit = left
                limitIsDeadline = true
            }
        }
        // Measured from the attempt's start: the bulkhead wait and any hedging delay count against it.
        let running = Running(ticket: ticket, deadline: limit.map { now + $0 }, limitIsDeadline: limitIsDeadline, sentAt: now)
        guard configuration.usesBulkhead else { return send(running, now: now) }
        state = .waitingForSlot(running)
        return .waitForSlot(until: running.deadline, isOverallDeadline: limitIsDeadline)
    }

    /// Sends the admitted attempt at `now`, with a hedge timer when the call hedges.
    mutating func send(_ running: Running, now: Duration) -> Action {
        var running = running
        running.sentAt = now
        let hedging = self.hedging
        running.hedgesLeft = hedging?.maximumHedges ?? 0
        state = .running(running)
        return .run(attempt(running, sentAt: now), hedgeAfter: running.hedgesLeft > 0 ? hedging?.currentDelay(configuration.latencies) : nil)
    }

    /// What the operation is told about a send at `sentAt`.
    func attempt(_ running: Running, sentAt: Duration) -> Attempt {
        Attempt(number: number, previousFailure: previousFailure, deadline: running.deadline,
                timeLimit: running.deadline.map { $0 - sentAt }, limitIsDeadline: running.limitIsDeadline)
    }

    /// Classifies a sent attempt's error and records it in the breaker, budget and throttle.
    ///
    /// Cancellation of the calling task is `cancelled`. An attempt that failed after its deadline
    /// with a timeout of its own (a cooperative attempt that passed the deadline on) is
    /// `attempt.timeout`, or `deadline.exceeded` when the limit was the overall deadline.
    func recordAttemptFailure(_ error: any Error, running: Running, now: Duration, cancelled: Bool) -> Failure {
        var failure = (error as? Failure) ?? configuration.classifier.classify(error)
        if failure.kind == .cancelled || cancelled {
            failure = Failure(.cancelled, delivery: failure.delivery, underlying: error, detail: failure.detail)
        } else if let deadline = running.deadline, now >= deadline, Self.isTimeout(failure.kind) {
            failure = Failure(running.limitIsDeadline ? .deadlineExceeded : .attemptTimeout, delivery: failure.delivery,
                              underlying: failure, detail: failure.kind.id)
        }
        let serverTransient = CircuitBreakerPolicy.isServerTransient(failure)
        // A named delay takes its token too: a throttling outage answered with `Retry-After: 0` must
        // not let every caller retry at once.
        if serverTransient { configuration.budget?.recordFailure() }
        if let ticket = running.ticket {
            // A failure that says nothing about the dependency (cancellation, a caller's deadline) reports
            // uncounted: a probe's slot is freed and the circuit stays as it is.
            configuration.breaker?.report(ticket, success: false, counted: CircuitBreakerPolicy.countsFailure(failure),
                                          retryAfter: failure.retryAfter, now: now)
        }
        configuration.throttle?.record(accepted: !serverTransient, now: now)
        return failure
    }

    /// The kinds an operation reports when a deadline it was given passes.
    static func isTimeout(_ kind: FailureKind) -> Bool {
        kind == .attemptTimeout || kind == .deadlineExceeded || kind == .responseTimeout || kind == .connectTimeout
    }

    /// The verdict on attempt ``number``'s `failure` at `now`, the retry budget's say, the record;
    /// then the action: fail, refresh, sleep or the next attempt.
    mutating func decide(_ failure: Failure, now: Duration, cancelled: Bool) -> Action {
        var failure = failure
        var verdict = Self.verdict(
            decision: failure.decision, mayHaveActed: failure.serverMayHaveActed, retryAfter: failure.retryAfter,
            namedByBreaker: failure.kind == .circuitOpen, number: number, idempotent: configuration.idempotent,
            canRefresh: configuration.canRefresh, now: now, deadline: overallDeadline, previousDelay: previousDelay,
            retry: configuration.retry, random: configuration.random)
        if verdict.action != .gaveUp, let budget = configuration.budget, !budget.tryRetry(atSecond: now.components.seconds) {
            verdict = Verdict(action: .gaveUp, rule: .budgetSpent)
            failure = Failure(.budgetExhausted, delivery: failure.delivery, status: failure.status, api: failure.api,
                              underlying: failure, detail: failure.kind.id)
        }
        if verdict.action == .gaveUp, verdict.rule == .deadlineWouldPass {
            failure = Failure(.deadlineExceeded, delivery: failure.delivery, status: failure.status, api: failure.api,
                              underlying: failure, detail: failure.kind.id)
        }
        history.append(DecisionRecord(
            attempt: number, kind: failure.kind, decision: failure.decision, status: failure.status,
            retryAfter: failure.retryAfter, action: verdict.action, delay: verdict.delay, delaySource: verdict.source,
            rule: verdict.rule, elapsed: now - start, budgetLevel: configuration.budget?.level,
            breakerPhase: configuration.breaker?.phase))
        if verdict.action == .gaveUp { return finish(&failure) }
        previousDelay = verdict.delay
        previousFailure = failure
        if verdict.action == .refreshAndRetry {
            state = .refreshing(delay: verdict.delay)
            return .refresh(failure)
        }
        return wait(verdict.delay, now: now, cancelled: cancelled)
    }

    /// Sleeps `delay` when there is one, else begins the next attempt at once.
    mutating func wait(_ delay: Duration?, now: Duration, cancelled: Bool) -> Action {
        if let delay, delay > .zero {
            state = .sleeping
            return .sleep(delay)
        }
        return beginAttempt(now: now, cancelled: cancelled)
    }

    /// Ends the call with `failure`, which takes the history.
    mutating func finish(_ failure: inout Failure) -> Action {
        state = .finished
        failure.history = history
        return .fail(failure)
    }
}
