import Tracing

extension Pipeline {
    /// The full retry loop from `start` (a time since ``epoch``): a thin shell that carries out what
    /// ``PipelineStateMachine`` decides (send, wait for a bulkhead slot, sleep, refresh, hedge) and
    /// tells it what happened. `firstError` is the error of an attempt 1 that the fast path already
    /// ran (with the first attempt's limit, ``firstAttemptLimit``, and the breaker's closed ticket `firstTicket`).
    @inlinable @inline(never)
    func retrying<T: Sendable>(
        idempotent: Bool,
        refresh: (@Sendable (Failure) async throws -> Void)?,
        start: Duration,
        firstError: (any Error)?,
        firstTicket: CircuitBreakerState.Ticket?,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async throws(Failure) -> T {
        var machine = PipelineStateMachine(machineConfiguration(idempotent: idempotent, canRefresh: refresh != nil))
        let span = telemetry?.tracer.map { $0.startSpan("triage.operation") }
        defer { span?.end() }
        var action = if let firstError {
            machine.firstAttemptFailed(firstError, start: start, ticket: firstTicket, now: now(), cancelled: Task.isCancelled)
        } else {
            machine.start(now: start, cancelled: Task.isCancelled)
        }
        var published = 0
        var value: T?
        while true {
            publishNew(machine.history, from: &published, span: span)
            switch action {
            case .run(let attempt, let hedgeAfter):
                (action, value) = await send(attempt, hedgeAfter: hedgeAfter, machine: &machine, operation)
            case .waitForSlot(let until, let isOverallDeadline):
                guard let bulkhead else { preconditionFailure("a bulkhead slot asked for without a bulkhead") }
                do {
                    try await acquireSlot(bulkhead, until: until, isOverallDeadline: isOverallDeadline)
                } catch {
                    action = machine.slotRefused(error, now: now(), cancelled: Task.isCancelled)
                    continue
                }
                action = machine.slotGranted(now: now())
                // The slot is held for the attempt and its hedges, and given back however they end.
                if case .run(let attempt, let hedgeAfter) = action {
                    (action, value) = await send(attempt, hedgeAfter: hedgeAfter, machine: &machine, operation)
                }
                bulkhead.release()
            case .sleep(let delay):
                do {
                    try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                    action = machine.sleepFinished(now: now(), cancelled: Task.isCancelled)
                } catch {
                    action = machine.sleepFailed(error)
                }
            case .refresh(let failure):
                guard let refresh else { preconditionFailure("a refresh asked for without a refresh step") }
                do {
                    try await refresh(failure)
                    action = machine.refreshFinished(now: now(), cancelled: Task.isCancelled)
                } catch {
                    action = machine.refreshFailed(error)
                }
            case .succeed:
                guard let value else { preconditionFailure("a success without a value") }
                return value
            case .fail(let failure):
                span?.attributes["triage.kind"] = failure.kind.id
                span?.setStatus(SpanStatus(code: .error, message: failure.kind.id))
                throw failure
            case .hedge, .startHedgeTimer, .wait:
                preconditionFailure("\(action) while no attempt runs")
            }
        }
    }

    /// What the machine decides with for one call.
    @usableFromInline
    func machineConfiguration(idempotent: Bool, canRefresh: Bool) -> PipelineStateMachine.Configuration {
        PipelineStateMachine.Configuration(
            retry: retry, budget: budget, breaker: breaker, throttle: throttle, hedging: hedging, usesBulkhead: bulkhead != nil,
            deadline: deadline, attemptTimeout: attemptTimeout, classifier: classifier, random: random, idempotent: idempotent,
            canRefresh: canRefresh, recordsEverySuccess: observer != nil || telemetry != nil,
            latencies: hedgingLatencies)
    }

    /// Throws at once when an open breaker rejects the first attempt and the retry rules give up on it
    /// (``PipelineStateMachine/immediateRejection(by:at:deadline:idempotent:canRefresh:retry:budget:random:)``);
    /// returns when the breaker lets the call through or its open time will be waited out (the retry
    /// loop does that). The failure is built once, in the `throw`, with its record kept compact
    /// (``BreakerRejection``), and the rejection skips a cancellation check.
    @inlinable @inline(never)
    func rejectIfOpen(at start: Duration, idempotent: Bool, canRefresh: Bool) throws(Failure) {
        guard telemetry == nil, let breaker,
              let rejection = PipelineStateMachine.immediateRejection(
                  by: breaker, at: start, deadline: deadline, idempotent: idempotent, canRefresh: canRefresh, retry: retry,
                  budget: budget, random: random) else { return }
        if hasListeners { publish(rejection.record, span: nil) }
        throw Failure.breakerRejection(rejection)
    }
}
