import Tracing

extension Pipeline {
    /// The full retry loop from `start` (a time since ``epoch``). `firstError` is the error of an
    /// attempt 1 that the fast path already ran (with the first attempt's limit, ``firstAttemptLimit``,
    /// and the breaker's closed ticket `firstTicket`).
    @inlinable @inline(never)
    func retrying<T: Sendable>(
        idempotent: Bool,
        refresh: (@Sendable (Failure) async throws -> Void)?,
        start: Duration,
        firstError: (any Error)?,
        firstTicket: CircuitBreakerState.Ticket?,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async throws(Failure) -> T {
        let deadline = timeout.map { start + $0 }
        var history = DecisionHistory()
        let span = telemetry?.tracer.map { $0.startSpan("triage.operation") }
        defer { span?.end() }
        var previousDelay: Duration?
        var previousFailure: Failure?
        var pending = firstError

        for number in 1...retry.maxAttempts {
            var failure: Failure
            let now: Duration
            if let error = pending {
                pending = nil
                now = self.now()
                failure = attemptFailed(error, now: now, deadline: firstAttemptLimit.map { start + $0 },
                                        limitIsDeadline: firstLimitIsDeadline, ticket: firstTicket)
            } else {
                let attemptStart = number == 1 ? start : self.now()
                switch await attempt(number: number, start: attemptStart, previous: previousFailure, deadline: deadline,
                                     hedge: idempotent ? hedging : nil, operation) {
                case .success(let value):
                    if !history.isEmpty || observer != nil || telemetry != nil {
                        record(&history, span: span, DecisionRecord(
                            attempt: number, kind: nil, decision: nil, status: nil, namedDelay: nil, action: .succeeded,
                            delay: nil, delaySource: nil, rule: .succeeded, elapsed: self.now() - start,
                            budgetLevel: budget?.level, breakerPhase: breaker?.phase))
                    }
                    return value
                case .failure(let attemptFailure, let at):
                    (failure, now) = (attemptFailure, at)
                }
            }

            var verdict = decide(failure, number: number, idempotent: idempotent, canRefresh: refresh != nil,
                                 now: now, deadline: deadline, previousDelay: previousDelay, random: random)
            if verdict.action != .gaveUp, let budget, !budget.tryRetry(atSecond: now.components.seconds) {
                verdict = Verdict(action: .gaveUp, rule: .budgetSpent)
                failure = Failure(.budgetExhausted, delivery: failure.delivery, status: failure.status, api: failure.api,
                                  underlying: failure, detail: failure.kind.id)
            }
            if verdict.action == .gaveUp, verdict.rule == .deadlineWouldPass {
                failure = Failure(.deadlineExceeded, delivery: failure.delivery, status: failure.status, api: failure.api,
                                  underlying: failure, detail: failure.kind.id)
            }
            record(&history, span: span, decisionRecord(number, failure, verdict, elapsed: now - start))
            if verdict.action == .gaveUp {
                failure.history = history
                span?.attributes["triage.kind"] = failure.kind.id
                span?.setStatus(SpanStatus(code: .error, message: failure.kind.id))
                throw failure
            }
            if verdict.action == .refreshAndRetry, let refresh {
                do { try await refresh(failure) } catch {
                    var refreshFailure = classifier.classify(error)
                    refreshFailure.history = history
                    throw refreshFailure
                }
            }
            if let delay = verdict.delay, delay > .zero {
                do {
                    try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                } catch {
                    var cancelled = Failure(.cancelled, delivery: failure.delivery, underlying: error, detail: "cancelled while waiting to retry")
                    cancelled.history = history
                    throw cancelled
                }
            }
            previousDelay = verdict.delay
            previousFailure = failure
        }
        preconditionFailure("the loop throws on its last attempt: decide gives up when the attempts are spent")
    }

    /// Throws at once when an open breaker rejects the first attempt and the retry rules give up on it
    /// (no attempts left, a wait above the cap or past the deadline); returns when the breaker lets the
    /// call through or its open time will be waited out (the retry loop does that).
    /// The failure is built once, after the verdict, in place, with its record kept compact
    /// (``BreakerRejection``): it is the largest value on this path. A cancelled
    /// caller is told `circuit.open` here (the call is not sent either way), which spares every
    /// rejection a cancellation check.
    @inlinable @inline(never)
    func rejectIfOpen(at start: Duration, idempotent: Bool, canRefresh: Bool) throws(Failure) {
        guard telemetry == nil, let remaining = breaker?.openRemaining(now: start) else { return }
        let kind = FailureKind.circuitOpen
        let decision = Failure.defaultDecision(for: kind, retryAfter: remaining)
        let verdict = decide(decision: decision, mayHaveActed: false,
                             namedDelay: remaining, namedByBreaker: true, number: 1, idempotent: idempotent, canRefresh: canRefresh,
                             now: start, deadline: timeout.map { start + $0 }, previousDelay: nil, random: random)
        guard verdict.action == .gaveUp else { return }
        let rejection = BreakerRejection(remaining: remaining, rule: verdict.rule, decision: decision, delayed: verdict.delay != nil,
                                         budgetLevel: budget?.level)
        if hasListeners { publish(rejection.record, span: nil) }
        throw Failure.breakerRejection(rejection)
    }

    /// The record of a failed attempt `number` and the verdict on it.
    @inlinable
    func decisionRecord(_ number: Int, _ failure: Failure, _ verdict: Verdict, elapsed: Duration) -> DecisionRecord {
        DecisionRecord(attempt: number, kind: failure.kind, decision: failure.decision, status: failure.status,
                       namedDelay: failure.retryAfter, action: verdict.action, delay: verdict.delay, delaySource: verdict.source,
                       rule: verdict.rule, elapsed: elapsed, budgetLevel: budget?.level, breakerPhase: breaker?.phase)
    }
}
