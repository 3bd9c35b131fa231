extension PipelineStateMachine {
    /// The call begins at `now`; `cancelled`: whether the calling task is cancelled already.
    @usableFromInline
    package mutating func start(now: Duration, cancelled: Bool) -> Action {
        guard case .idle = state else { preconditionFailure("start: the machine has started already") }
        start = now
        return beginAttempt(now: now, cancelled: cancelled)
    }

    /// The call began at `start` with a first attempt the shell sent itself (the success path), under
    /// the breaker's closed `ticket` and the first attempt's limit; it failed with `error` at `now`.
    @usableFromInline
    package mutating func firstAttemptFailed(_ error: any Error, start: Duration, ticket: CircuitBreakerState.Ticket?,
                                             now: Duration, cancelled: Bool) -> Action {
        guard case .idle = state else { preconditionFailure("firstAttemptFailed: the machine has started already") }
        self.start = start
        number = 1
        let (limit, limitIsDeadline) = Self.firstLimit(deadline: configuration.deadline, attemptTimeout: configuration.attemptTimeout)
        state = .running(Running(ticket: ticket, deadline: limit.map { start + $0 }, limitIsDeadline: limitIsDeadline, sentAt: start))
        return attemptFailed(error, now: now, cancelled: cancelled)
    }

    /// The bulkhead slot asked for by ``Action/waitForSlot(until:isOverallDeadline:)`` was taken at `now`.
    @usableFromInline
    package mutating func slotGranted(now: Duration) -> Action {
        guard case .waitingForSlot(let running) = state else { preconditionFailure("slotGranted: no slot was asked for") }
        return send(running, now: now)
    }

    /// No bulkhead slot: the queue was full, the wait passed its deadline, or the caller was cancelled;
    /// `cancelled`: whether the calling task is cancelled (then no further attempt begins).
    @usableFromInline
    package mutating func slotRefused(_ error: any Error, now: Duration, cancelled: Bool = false) -> Action {
        guard case .waitingForSlot(let running) = state else { preconditionFailure("slotRefused: no slot was asked for") }
        if let ticket = running.ticket { configuration.breaker?.release(ticket) }
        return decide((error as? Failure) ?? configuration.classifier.classify(error), now: now, cancelled: cancelled)
    }

    /// The attempt (or one of its hedges) returned a value at `now`.
    @usableFromInline
    package mutating func attemptSucceeded(now: Duration) -> Action {
        guard case .running(let running) = state else { preconditionFailure("attemptSucceeded: no attempt is running") }
        state = .finished
        if hedging != nil { configuration.latencies?.record(now - running.sentAt) }
        Self.recordSuccess(ticket: running.ticket, budget: configuration.budget, breaker: configuration.breaker, now: now)
        configuration.throttle?.record(accepted: true, now: now)
        if !history.isEmpty || configuration.recordsEverySuccess {
            history.append(DecisionRecord(
                attempt: number, kind: nil, decision: nil, status: nil, retryAfter: nil, action: .succeeded, delay: nil,
                delaySource: nil, rule: .succeeded, elapsed: now - start, budgetLevel: configuration.budget?.level,
                breakerPhase: configuration.breaker?.phase))
        }
        return .succeed
    }

    /// The attempt (or one of its hedges) threw `error` at `now`; `cancelled`: whether the calling task
    /// is cancelled. While other hedges run, the machine waits for them (``Action/wait``).
    @usableFromInline
    package mutating func attemptFailed(_ error: any Error, now: Duration, cancelled: Bool) -> Action {
        guard case .running(var running) = state else { preconditionFailure("attemptFailed: no attempt is running") }
        if running.inFlight > 1 {
            running.inFlight -= 1
            state = .running(running)
            return .wait
        }
        let failure = recordAttemptFailure(error, running: running, now: now, cancelled: cancelled)
        return decide(failure, now: now, cancelled: cancelled)
    }

    /// The attempt's own time ran out at `now` while it (and any hedges) still ran, under
    /// ``TimeoutEnforcement/cancel``: the attempt ends, whatever is in flight; `cancelled`: whether the
    /// calling task is cancelled (then the call ends as cancelled, not retried).
    @usableFromInline
    package mutating func attemptTimedOut(now: Duration, cancelled: Bool = false) -> Action {
        guard case .running(var running) = state else { preconditionFailure("attemptTimedOut: no attempt is running") }
        running.inFlight = 1
        state = .running(running)
        let failure = running.limitIsDeadline
            ? Failure(.deadlineExceeded, detail: "the overall deadline passed during the attempt")
            : Failure(.attemptTimeout, detail: "no result within the attempt timeout")
        return attemptFailed(failure, now: now, cancelled: cancelled)
    }

    /// The hedge timer started by ``Action/run(_:hedgeAfter:)`` (or re-armed) fired at `now`: send a
    /// hedge if the retry budget allows one.
    @usableFromInline
    package mutating func hedgeTimerFired(now: Duration) -> Action {
        guard case .running(var running) = state, running.hedgesLeft > 0, let hedging else { return .wait }
        running.hedgesLeft -= 1
        let rearm = running.hedgesLeft > 0 ? hedging.currentDelay(configuration.latencies) : nil
        let allowed = configuration.budget?.tryRetry(atSecond: now.components.seconds) ?? true
        if allowed { running.inFlight += 1 }
        state = .running(running)
        guard allowed else { return rearm.map(Action.startHedgeTimer) ?? .wait }
        return .hedge(attempt(running, sentAt: now), rearmAfter: rearm)
    }

    /// The refresh step asked for by ``Action/refresh(_:)`` returned at `now`.
    @usableFromInline
    package mutating func refreshFinished(now: Duration, cancelled: Bool) -> Action {
        guard case .refreshing(let delay) = state else { preconditionFailure("refreshFinished: no refresh was asked for") }
        return wait(delay, now: now, cancelled: cancelled)
    }

    /// The refresh step threw `error`: the call ends with it.
    @usableFromInline
    package mutating func refreshFailed(_ error: any Error) -> Action {
        guard case .refreshing = state else { preconditionFailure("refreshFailed: no refresh was asked for") }
        var failure = configuration.classifier.classify(error)
        return finish(&failure)
    }

    /// The wait asked for by ``Action/sleep(_:)`` ended at `now`.
    @usableFromInline
    package mutating func sleepFinished(now: Duration, cancelled: Bool) -> Action {
        guard case .sleeping = state else { preconditionFailure("sleepFinished: no sleep was asked for") }
        return beginAttempt(now: now, cancelled: cancelled)
    }

    /// The wait was cut short by `error` (cancellation): the call ends.
    @usableFromInline
    package mutating func sleepFailed(_ error: any Error) -> Action {
        guard case .sleeping = state else { preconditionFailure("sleepFailed: no sleep was asked for") }
        var cancelled = Failure(.cancelled, delivery: previousFailure?.delivery ?? .notSent, underlying: error,
                                detail: "cancelled while waiting to retry")
        return finish(&cancelled)
    }
}
