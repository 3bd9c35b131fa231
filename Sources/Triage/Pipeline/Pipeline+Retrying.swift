import Tracing

extension Pipeline {
    /// The full retry loop from `start`. `first` is the failure (and its time) of an attempt 1 that
    /// the fast path already ran.
    @inlinable
    func retrying<T: Sendable>(
        idempotent: Bool,
        refresh: (@Sendable (Failure) async throws -> Void)?,
        start: C.Instant,
        first: (failure: Failure, at: C.Instant)?,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async throws(Failure) -> T {
        let deadline = timeout.map { start.advanced(by: $0) }
        var history = DecisionHistory()
        let span = telemetry?.tracer.map { $0.startSpan("triage.operation") }
        defer { span?.end() }
        var previousDelay: Duration?
        var previousFailure: Failure?
        var random = self.random.generator
        var pending = first

        for number in 1...retry.maxAttempts {
            var failure: Failure
            let now: C.Instant
            if let first = pending {
                (failure, now) = first
                pending = nil
            } else {
                let attemptStart = number == 1 ? start : clock.now
                switch await attempt(number: number, start: attemptStart, previous: previousFailure, deadline: deadline,
                                     hedge: idempotent ? hedging : nil, operation) {
                case .success(let value):
                    if !history.isEmpty || observer != nil || telemetry != nil {
                        record(&history, span: span, DecisionRecord(
                            attempt: number, kind: nil, decision: nil, status: nil, namedDelay: nil, action: .succeeded,
                            delay: nil, delaySource: nil, rule: .succeeded, elapsed: start.duration(to: clock.now),
                            budgetLevel: budget?.level, breakerPhase: breaker?.phase))
                    }
                    return value
                case .failure(let attemptFailure, let at):
                    (failure, now) = (attemptFailure, at)
                }
            }

            var verdict = decide(failure, number: number, idempotent: idempotent, canRefresh: refresh != nil,
                                 now: now, deadline: deadline, previousDelay: previousDelay, random: &random)
            if verdict.action != .gaveUp, let budget, !budget.tryRetry(atSecond: epoch.duration(to: now).components.seconds) {
                verdict = Verdict(action: .gaveUp, rule: .budgetSpent)
                failure = Failure(.budgetExhausted, delivery: failure.delivery, status: failure.status, api: failure.api,
                                  underlying: failure, detail: failure.kind.id)
            }
            if verdict.action == .gaveUp, verdict.rule == .deadlineWouldPass {
                failure = Failure(.deadlineExceeded, delivery: failure.delivery, status: failure.status, api: failure.api,
                                  underlying: failure, detail: failure.kind.id)
            }
            record(&history, span: span, DecisionRecord(
                attempt: number, kind: failure.kind, decision: failure.decision, status: failure.status,
                namedDelay: failure.retryAfter, action: verdict.action, delay: verdict.delay, delaySource: verdict.source,
                rule: verdict.rule, elapsed: start.duration(to: now), budgetLevel: budget?.level, breakerPhase: breaker?.phase))
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
}
