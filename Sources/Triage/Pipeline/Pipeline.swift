import Logging
import Tracing

/// Runs an operation under Triage's policies, outermost first:
/// **deadline → retry (+ budget) → circuit breaker → attempt timeout → bulkhead**.
///
/// Every error goes through ``classifier``; the decision after each attempt is recorded
/// (``DecisionRecord``), logged at debug level and passed to ``observer``. When the operation fails
/// for good, the thrown error is a ``Failure`` whose ``Failure/history`` holds every record.
///
/// Keep one pipeline per client: its retry budget and breaker are shared by every call through it.
///
/// ```swift
/// let pipeline = Pipeline.standard
/// let body = try await pipeline.run(idempotent: true) { attempt in try await fetch() }
/// ```
public struct Pipeline<C: Clock>: Sendable where C.Duration == Duration {
    public var retry: RetryPolicy
    /// Shared by every call through this pipeline; `nil` turns the budget off.
    public var budget: RetryBudget?
    public var breaker: CircuitBreaker?
    public var bulkhead: Bulkhead?
    /// Hedged attempts for slow calls (idempotent operations only); `nil` turns hedging off.
    public var hedging: HedgingPolicy?
    /// The overall deadline across every attempt and wait (default 30 s in ``standard``).
    public var timeout: Duration?
    /// The limit for one attempt (`attempt.timeout`; default 10 s in ``standard``).
    public var attemptTimeout: Duration?
    public var classifier: ClassifierChain
    public var logger: Logger?
    /// Called with each decision record as it is made.
    public var observer: (@Sendable (DecisionRecord) -> Void)?
    /// Metrics and spans; `nil` (default) records none.
    public var telemetry: PipelineTelemetry?
    public let clock: C
    /// The instant the shared breaker and budget measure time from.
    let epoch: C.Instant

    public init(
        clock: C,
        retry: RetryPolicy = .standard,
        budget: RetryBudget? = nil,
        breaker: CircuitBreaker? = nil,
        bulkhead: Bulkhead? = nil,
        hedging: HedgingPolicy? = nil,
        timeout: Duration? = nil,
        attemptTimeout: Duration? = nil,
        classifier: ClassifierChain = .core,
        logger: Logger? = nil,
        observer: (@Sendable (DecisionRecord) -> Void)? = nil,
        telemetry: PipelineTelemetry? = nil
    ) {
        self.hedging = hedging
        self.telemetry = telemetry
        self.clock = clock
        self.epoch = clock.now
        self.retry = retry
        self.budget = budget
        self.breaker = breaker
        self.bulkhead = bulkhead
        self.timeout = timeout
        self.attemptTimeout = attemptTimeout
        self.classifier = classifier
        self.logger = logger
        self.observer = observer
    }

    /// What an attempt knows about itself.
    public struct Attempt: Sendable {
        /// 1 for the first attempt.
        public var number: Int
        /// The failure of the attempt before, if any.
        public var previousFailure: Failure?
    }

    /// Runs `operation` until it succeeds or the policies say stop.
    ///
    /// - Parameters:
    ///   - idempotent: whether the operation may be repeated after a `maybeProcessed` failure
    ///     (a request that may have reached the server). Default `false`: safe for POST-like work.
    ///   - refresh: called before retrying a `refresh` failure (409/412): re-read the state so the next
    ///     attempt is rebuilt from it (client-go's RetryOnConflict). Without it, `refresh` is not retried.
    /// - Throws: a ``Failure`` (with ``Failure/history``) when the operation fails for good.
    public func run<T: Sendable>(
        idempotent: Bool = false,
        refresh: (@Sendable (Failure) async throws -> Void)? = nil,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async throws -> T {
        let start = clock.now
        let deadline = timeout.map { start.advanced(by: $0) }
        var history: [DecisionRecord] = []
        let span = telemetry?.tracer.map { $0.startSpan("triage.operation") }
        defer { span?.end() }
        var previousDelay: Duration?
        var previousFailure: Failure?
        var random = SystemRandomNumberGenerator()

        for number in 1...retry.maxAttempts {
            var failure: Failure
            do {
                let value = try await attempt(number: number, previous: previousFailure, deadline: deadline,
                                              hedge: idempotent ? hedging : nil, operation)
                if !history.isEmpty || observer != nil || telemetry != nil {
                    record(&history, span: span, DecisionRecord(attempt: number, kind: nil, decision: nil, status: nil, namedDelay: nil, action: .succeeded, delay: nil,
                                                    delaySource: nil, reason: "succeeded", elapsed: start.duration(to: clock.now),
                                                    budgetLevel: budget?.level, breakerPhase: breaker?.phase))
                }
                return value
            } catch {
                failure = error
            }

            let elapsed = start.duration(to: clock.now)
            var decision = decide(failure, number: number, idempotent: idempotent, canRefresh: refresh != nil,
                                  deadline: deadline, previousDelay: previousDelay, random: &random)
            if decision.action != .gaveUp, let budget, !budget.tryRetry(atSecond: secondsSinceEpoch()) {
                decision = Verdict(action: .gaveUp, reason: "the retry budget is spent (\(Int(budget.level)) tokens left)")
                failure = Failure(.budgetExhausted, delivery: failure.delivery, status: failure.status, api: failure.api,
                                  underlying: failure, detail: failure.kind.id)
            }
            if decision.action == .gaveUp, decision.deadlineSpent {
                failure = Failure(.deadlineExceeded, delivery: failure.delivery, status: failure.status, api: failure.api,
                                  underlying: failure, detail: "next attempt would pass the deadline; last: \(failure.kind.id)")
            }
            record(&history, span: span, DecisionRecord(attempt: number, kind: failure.kind, decision: failure.decision, status: failure.status,
                                            namedDelay: failure.retryAfter,
                                            action: decision.action,
                                            delay: decision.delay, delaySource: decision.source, reason: decision.reason,
                                            elapsed: elapsed, budgetLevel: budget?.level, breakerPhase: breaker?.phase))
            if decision.action == .gaveUp || number == retry.maxAttempts {
                failure.history = history
                span?.attributes["triage.kind"] = failure.kind.id
                span?.setStatus(SpanStatus(code: .error, message: failure.kind.id))
                throw failure
            }
            if decision.action == .refreshAndRetry, let refresh {
                do { try await refresh(failure) } catch {
                    var refreshFailure = classifier.classify(error)
                    refreshFailure.history = history
                    throw refreshFailure
                }
            }
            if let delay = decision.delay, delay > .zero {
                do {
                    try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                } catch {
                    var cancelled = Failure(.cancelled, delivery: failure.delivery, underlying: error, detail: "cancelled while waiting to retry")
                    cancelled.history = history
                    throw cancelled
                }
            }
            previousDelay = decision.delay
            previousFailure = failure
        }
        preconditionFailure("the loop returns or throws on its last attempt")
    }

    // MARK: - One attempt

    private func attempt<T: Sendable>(number: Int, previous: Failure?, deadline: C.Instant?, hedge: HedgingPolicy?,
                                      _ operation: @escaping @Sendable (Attempt) async throws -> T) async throws(Failure) -> T {
        if Task.isCancelled { throw Failure(.cancelled, delivery: .notSent, detail: "cancelled before the attempt") }
        let now = secondsOffset()
        if let breaker {
            switch breaker.admit(now: now) {
            case .allow, .probe: break
            case .reject(let remaining):
                throw Failure(.circuitOpen, retryAfter: remaining, detail: "circuit open")
            }
        }
        do {
            if let bulkhead { try await bulkhead.acquire() }
        } catch {
            breaker?.record(success: true, counted: false, retryAfter: nil, now: secondsOffset())
            throw classifier.classify(error)
        }
        defer { bulkhead?.release() }

        var limit = attemptTimeout
        var limitIsDeadline = false
        if let deadline {
            let left = clock.now.duration(to: deadline)
            if left <= .zero { throw Failure(.deadlineExceeded, delivery: .notSent, detail: "deadline spent before the attempt") }
            if limit == nil || left < limit! {
                limit = left
                limitIsDeadline = true
            }
        }
        do {
            let value: T
            if hedge == nil, limit == nil {
                // The plain path builds no closure: nothing to allocate on a success.
                value = try await operation(Attempt(number: number, previousFailure: previous))
            } else {
                let call: @Sendable () async throws -> T
                if let hedge {
                    call = { try await self.hedged(hedge) { try await operation(Attempt(number: number, previousFailure: previous)) } }
                } else {
                    call = { try await operation(Attempt(number: number, previousFailure: previous)) }
                }
                if let limit {
                    value = try await withTimeLimit(limit, isDeadline: limitIsDeadline, call)
                } else {
                    value = try await call()
                }
            }
            budget?.recordSuccess()
            breaker?.record(success: true, counted: true, retryAfter: nil, now: secondsOffset())
            return value
        } catch {
            var failure = (error as? Failure) ?? classifier.classify(error)
            if failure.kind == .cancelled || Task.isCancelled {
                failure = Failure(.cancelled, delivery: failure.delivery, underlying: error, detail: failure.detail)
            }
            let counted = CircuitBreakerPolicy.countsFailure(failure)
            if counted { budget?.recordFailure() }
            breaker?.record(success: false, counted: counted, retryAfter: failure.retryAfter, now: secondsOffset())
            throw failure
        }
    }

    /// Runs `body`, and again after each hedging delay while nothing has succeeded (within the budget);
    /// returns the first success and cancels the rest, or throws the last failure.
    private func hedged<T: Sendable>(_ policy: HedgingPolicy, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = self.clock
        let budget = self.budget
        let epoch = self.epoch
        return try await withThrowingTaskGroup(of: T?.self) { group in
            let started = clock.now
            group.addTask { try await body() }
            var running = 1
            var hedgesLeft = policy.maximumHedges
            var lastError: (any Error)?
            if hedgesLeft > 0 {
                group.addTask {
                    try await clock.sleep(until: clock.now.advanced(by: policy.currentDelay), tolerance: nil)
                    return nil
                }
            }
            defer { group.cancelAll() }
            while running > 0 {
                let next: T??
                do {
                    next = try await group.next()
                } catch {
                    running -= 1
                    lastError = error
                    continue
                }
                guard let result = next else { break }
                if let value = result {
                    policy.record(latency: started.duration(to: clock.now))
                    return value
                }
                // The hedging timer fired: send a hedge if the budget allows.
                guard hedgesLeft > 0 else { continue }
                hedgesLeft -= 1
                let second = epoch.duration(to: clock.now).components.seconds
                if budget?.tryRetry(atSecond: second) ?? true {
                    running += 1
                    group.addTask { try await body() }
                }
                if hedgesLeft > 0 {
                    group.addTask {
                        try await clock.sleep(until: clock.now.advanced(by: policy.currentDelay), tolerance: nil)
                        return nil
                    }
                }
            }
            throw lastError ?? CancellationError()
        }
    }

    private func withTimeLimit<T: Sendable>(_ limit: Duration, isDeadline: Bool,
                                            _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = self.clock
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(until: clock.now.advanced(by: limit), tolerance: nil)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw isDeadline
                    ? Failure(.deadlineExceeded, detail: "the overall deadline passed during the attempt")
                    : Failure(.attemptTimeout, detail: "no result within the attempt timeout")
            }
            return value
        }
    }

    // MARK: - Deciding

    struct Verdict {
        var action: DecisionRecord.Action
        var delay: Duration?
        var source: DecisionRecord.DelaySource?
        var reason: String
        var deadlineSpent = false
    }

    private func decide(_ failure: Failure, number: Int, idempotent: Bool, canRefresh: Bool, deadline: C.Instant?,
                        previousDelay: Duration?, random: inout SystemRandomNumberGenerator) -> Verdict {
        let what = failure.status.map { "\($0)" } ?? failure.kind.summary
        if failure.decision == .refresh {
            guard canRefresh, retry.retriedDecisions.contains(.retry) || retry.retriedDecisions.contains(.refresh) else {
                return Verdict(action: .gaveUp, reason: "\(what) needs a refresh and none was given")
            }
        } else if !retry.retriedDecisions.contains(failure.decision) {
            return Verdict(action: .gaveUp, reason: "\(what): decision \(failure.decision) is not retried")
        }
        if failure.delivery == .maybeProcessed, !idempotent {
            return Verdict(action: .gaveUp, reason: "\(what) may have been processed and the operation is not idempotent")
        }
        if number == retry.maxAttempts {
            return Verdict(action: .gaveUp, reason: "\(what): gave up after \(number) attempt\(number == 1 ? "" : "s") (maxAttempts \(retry.maxAttempts))")
        }
        var verdict: Verdict
        if let named = failure.retryAfter {
            if named > retry.maximumRetryAfter {
                return Verdict(action: .gaveUp, delay: named, source: .retryAfter,
                               reason: "\(what): asked for \(named), above the \(retry.maximumRetryAfter) cap; reschedule instead")
            }
            let source: DecisionRecord.DelaySource = failure.kind == .circuitOpen ? .breaker : .retryAfter
            verdict = Verdict(action: .retry, delay: named, source: source, reason: "\(what) is transient; wait \(named) as asked")
        } else {
            let draw = retry.backoff.delay(retry: number, previous: previousDelay, using: &random)
            verdict = Verdict(action: .retry, delay: draw.delay,
                              source: .backoff(retry.backoff.strategy, ceiling: draw.ceiling, random: draw.random),
                              reason: "\(what) is transient; back off \(draw.delay) (\(retry.backoff.strategy))")
        }
        if failure.decision == .refresh {
            verdict.action = .refreshAndRetry
            verdict.reason = "\(what) is a conflict; refresh, then retry after \(verdict.delay ?? .zero)"
        }
        if let deadline, let delay = verdict.delay, clock.now.advanced(by: delay) >= deadline {
            return Verdict(action: .gaveUp, delay: delay, source: verdict.source,
                           reason: "\(what): waiting \(delay) would pass the overall deadline", deadlineSpent: true)
        }
        return verdict
    }

    // MARK: - Records and time

    private func record(_ history: inout [DecisionRecord], span: (any Span)?, _ record: DecisionRecord) {
        history.append(record)
        observer?(record)
        telemetry?.record(record)
        span?.addEvent(SpanEvent(name: "triage.attempt", attributes: [
            "triage.attempt": .int64(Int64(record.attempt)),
            "triage.kind": .string(record.kind?.id ?? "ok"),
            "triage.action": .string("\(record.action)"),
        ]))
        guard let logger, logger.logLevel <= .debug else { return }
        logger.debug("triage attempt finished", metadata: [
            "triage.attempt": "\(record.attempt)",
            "triage.kind": "\(record.kind?.id ?? "ok")",
            "triage.decision": "\(record.decision?.id ?? "none")",
            "triage.action": "\(record.action)",
            "triage.delay": "\(record.delay.map { "\($0)" } ?? "none")",
        ])
    }

    private func secondsOffset() -> Duration { epoch.duration(to: clock.now) }

    private func secondsSinceEpoch() -> Int64 { secondsOffset().components.seconds }
}

extension Pipeline where C == ContinuousClock {
    /// The standard preset: 30 s deadline, 3 attempts with full jitter 100 ms…10 s, a retry budget,
    /// a breaker (5 consecutive failures, open 10 s), a 10 s attempt timeout. Each access makes a new
    /// budget and breaker: keep the pipeline you get and share it per client.
    public static var standard: Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(), retry: .standard, budget: try! RetryBudget(), breaker: CircuitBreaker(),
                 timeout: .seconds(30), attemptTimeout: .seconds(10))
    }

    public init(retry: RetryPolicy = .standard, budget: RetryBudget? = nil, breaker: CircuitBreaker? = nil, bulkhead: Bulkhead? = nil,
                timeout: Duration? = nil, attemptTimeout: Duration? = nil, classifier: ClassifierChain = .core, logger: Logger? = nil) {
        self.init(clock: ContinuousClock(), retry: retry, budget: budget, breaker: breaker, bulkhead: bulkhead,
                  timeout: timeout, attemptTimeout: attemptTimeout, classifier: classifier, logger: logger)
    }
}
