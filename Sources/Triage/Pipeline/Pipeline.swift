import Logging

/// Runs an operation under Triage's policies, outermost first:
/// **deadline → retry (+ budget) → circuit breaker → adaptive throttle → attempt timeout → bulkhead → hedging**:
/// the attempt timeout starts before the bulkhead wait, which counts against it, and hedges run inside
/// the attempt's bulkhead slot.
///
/// Each attempt, in that order: a cancellation check, the breaker's admission (a ticket that is
/// reported or given back however the attempt ends), the adaptive throttle, the overall deadline, a
/// bulkhead slot, then the call with its time limit (the sooner of ``attemptTimeout`` and what is left
/// of ``deadline``, measured from before the bulkhead wait). Hedges of an idempotent call run beside it
/// in the same slot and under the same limit, each taking a retry from the budget. One state machine
/// decides all of it (`PipelineStateMachine`, driven by the simulations too); this type carries out
/// what it decides.
///
/// Every error goes through ``classifier``; the decision after each attempt is recorded
/// (``DecisionRecord``), logged at debug level and passed to ``observer``. When the operation fails
/// for good, the thrown ``Failure`` holds every record in ``Failure/history``.
///
/// Keep one pipeline per client: its retry budget, breaker and hedging latencies are shared by every
/// call through it and by its copies.
///
/// Policies are values to copy and adjust (`var pipeline = Pipeline.standard; pipeline.retry.maximumAttempts = 5`);
/// ``validate()`` checks them. The shared parts (``CircuitBreaker``, ``RetryBudget``, ``Bulkhead``,
/// ``AdaptiveThrottle``) check their configuration when they are made.
///
/// ```swift
/// let pipeline = Pipeline.standard
/// let body = try await pipeline.run(idempotent: true) { attempt in try await fetch() }
/// ```
///
/// A first attempt that succeeds takes a fast path, inlined into the caller: one clock read, no lock
/// (the breaker and budget are read through lock-free copies) and no allocation, with
/// ``TimeoutEnforcement/cooperative`` timeouts and no hedging, bulkhead, throttle, observer or
/// telemetry; so does an open breaker's rejection that will not be waited out (built once, thrown at
/// once, no cancellation check). Everything else runs the full retry loop.
public struct Pipeline<C: Clock>: Sendable where C.Duration == Duration {
    public var retry: RetryPolicy
    /// Shared by every call through this pipeline; `nil` turns the budget off.
    public var budget: RetryBudget?
    public var breaker: CircuitBreaker?
    public var bulkhead: Bulkhead?
    /// Client-side adaptive throttling ahead of every attempt; `nil` (default) turns it off.
    public var throttle: AdaptiveThrottle?
    /// Hedged attempts for slow calls (idempotent operations only); `nil` turns hedging off.
    public var hedging: HedgingPolicy? {
        didSet { hedgingLatencies = LatencyTracker.kept(for: hedging, existing: hedgingLatencies) }
    }
    /// The latencies a percentile ``hedging`` delay follows: the pipeline's state, shared by its copies.
    /// Made only for a percentile delay (a 256-entry ring, about 4 KB); kept while the delay stays one.
    package private(set) var hedgingLatencies: LatencyTracker?
    /// The overall deadline across every attempt and wait (default 30 s in ``standard``).
    public var deadline: Duration? { didSet { firstAttemptLimit = Self.sooner(deadline, attemptTimeout) } }
    /// The limit for one attempt (`attempt.timeout`; default 10 s in ``standard``).
    public var attemptTimeout: Duration? { didSet { firstAttemptLimit = Self.sooner(deadline, attemptTimeout) } }
    /// The first attempt's time: the sooner of ``attemptTimeout`` and ``deadline``. Kept rather than
    /// worked out per call: comparing two `Duration`s is a call into the standard library.
    @usableFromInline private(set) var firstAttemptLimit: Duration?
    /// How ``deadline`` and ``attemptTimeout`` are held to (default ``TimeoutEnforcement/cooperative``:
    /// each attempt is handed its deadline; choose ``TimeoutEnforcement/cancel`` for code that cannot
    /// take one).
    public var timeoutEnforcement: TimeoutEnforcement
    public var classifier: ClassifierChain
    public var logger: Logger?
    /// Called with each decision record as it is made.
    public var observer: (@Sendable (DecisionRecord) -> Void)?
    /// Metrics and spans; `nil` (default) records none.
    public var telemetry: PipelineTelemetry?
    /// Where backoff jitter and throttling draws come from (default ``RandomSource/system``).
    public var random: RandomSource
    public let clock: C
    /// The instant every time inside the engine is measured from (``now()``), shared by all pipelines
    /// on this type of clock (``ClockEpochs``).
    @usableFromInline let epoch: C.Instant
    /// ``epoch`` as a ``ContinuousReading``, when `C` is `ContinuousClock` and the system is read directly.
    @usableFromInline let epochReading: Int64?

    public init(
        clock: C,
        retry: RetryPolicy = .standard,
        budget: RetryBudget? = nil,
        breaker: CircuitBreaker? = nil,
        bulkhead: Bulkhead? = nil,
        throttle: AdaptiveThrottle? = nil,
        hedging: HedgingPolicy? = nil,
        deadline: Duration? = nil,
        attemptTimeout: Duration? = nil,
        timeoutEnforcement: TimeoutEnforcement = .cooperative,
        classifier: ClassifierChain = .core,
        logger: Logger? = nil,
        observer: (@Sendable (DecisionRecord) -> Void)? = nil,
        telemetry: PipelineTelemetry? = nil,
        random: RandomSource = .system
    ) {
        self.clock = clock
        self.epoch = ClockEpochs.shared(clock.now)
        self.epochReading = C.self == ContinuousClock.self
            ? ContinuousReading.reading(of: unsafeBitCast(epoch, to: ContinuousClock.Instant.self)) : nil
        self.retry = retry
        self.budget = budget
        self.breaker = breaker
        self.bulkhead = bulkhead
        self.throttle = throttle
        self.hedging = hedging
        self.hedgingLatencies = LatencyTracker.kept(for: hedging, existing: nil)
        self.deadline = deadline
        self.attemptTimeout = attemptTimeout
        self.firstAttemptLimit = Self.sooner(deadline, attemptTimeout)
        self.timeoutEnforcement = timeoutEnforcement
        self.classifier = classifier
        self.logger = logger
        self.observer = observer
        self.telemetry = telemetry
        self.random = random
    }

    /// Runs `operation` until it succeeds or the policies say stop.
    ///
    /// - Parameters:
    ///   - idempotent: whether the operation may be repeated after a `maybeProcessed` failure
    ///     (a request that may have reached the server). Default `false`: safe for POST-like work.
    ///   - refresh: called before retrying a `refresh` failure (409/412): re-read the state so the next
    ///     attempt is rebuilt from it (client-go's RetryOnConflict). Without it, `refresh` is not retried.
    /// - Throws: a ``Failure`` (with ``Failure/history``) when the operation fails for good.
    @inlinable @inline(__always)
    public func run<T: Sendable>(
        idempotent: Bool = false,
        refresh: (@Sendable (Failure) async throws -> Void)? = nil,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async throws(Failure) -> T {
        let start = now()
        // A closed ticket read without the lock: the call reports under the generation it ran in.
        let ticket = breaker?.closedTicket()
        guard takesFastPath, breaker == nil || ticket != nil, !Task.isCancelled else {
            try rejectIfOpen(at: start, idempotent: idempotent, canRefresh: refresh != nil)
            return try await retrying(idempotent: idempotent, refresh: refresh, start: start, firstError: nil, firstTicket: nil, operation)
        }
        // Only the success is handled here, so that this frame holds no `Failure`: the retry loop
        // classifies the first attempt's error.
        let value: T
        do {
            let limit = firstAttemptLimit
            value = try await operation(Attempt(number: 1, previous: nil, deadlineSinceEpoch: limit.map { start + $0 }, timeLimit: limit))
        } catch {
            return try await retrying(idempotent: idempotent, refresh: refresh, start: start, firstError: error, firstTicket: ticket, operation)
        }
        PipelineStateMachine.recordSuccess(ticket: ticket, budget: budget, breaker: breaker, now: start)
        return value
    }

    /// Takes one retry from ``budget`` now, on this pipeline's clock, as a retry inside ``run`` does: for
    /// work that is tried again outside a call (a bulk operation's second pass), so that it shares the
    /// budget's per-second floor with the calls. `true` spends it; always `true` without a budget.
    public func takeRetry() -> Bool {
        budget?.tryRetry(atSecond: now().components.seconds) ?? true
    }

    /// The clock's reading as the time since ``epoch``: every time inside the engine is one of these.
    @inlinable
    func now() -> Duration {
        // The standard clocks' conformances are resilient, so `clock.now` stays a call through the
        // protocol's witness table even where `C` is known; the continuous clock is read directly.
        if C.self == ContinuousClock.self {
            if let epochReading, let reading = ContinuousReading.nanoseconds() { return .nanoseconds(reading &- epochReading) }
            return unsafeBitCast(epoch, to: ContinuousClock.Instant.self).duration(to: .now)
        }
        return epoch.duration(to: clock.now)
    }

    /// Whether a first attempt may skip the full loop: nothing must run beside it or observe a success.
    @inlinable
    var takesFastPath: Bool {
        hedging == nil && bulkhead == nil && throttle == nil && observer == nil && telemetry == nil
            && (!timeoutEnforcement.cancels || (deadline == nil && attemptTimeout == nil))
    }

    /// Checks the policy values (``RetryPolicy/validate()``, ``HedgingPolicy/validate()``) and the
    /// limits: call it after adjusting a pipeline's policies (`ResilientHTTPClient.withClient`, and the
    /// Kubernetes and S3 clients through it, call it for you). The shared parts (breaker, budget,
    /// bulkhead, throttle) were checked when they were made. A pipeline that validates never traps.
    /// - Throws: ``ConfigurationError`` for the first setting that cannot work.
    public func validate() throws(ConfigurationError) {
        try retry.validate()
        try hedging?.validate()
        try ConfigurationError.require(deadline.map { $0 > .zero } ?? true, "Pipeline.deadline", "must be positive")
        try ConfigurationError.require(attemptTimeout.map { $0 > .zero } ?? true, "Pipeline.attemptTimeout", "must be positive")
    }

    /// The sooner of two limits; `nil` only when both are.
    static func sooner(_ first: Duration?, _ second: Duration?) -> Duration? {
        guard let first else { return second }
        guard let second else { return first }
        return min(first, second)
    }
}

extension Pipeline where C == ContinuousClock {
    /// The standard preset: 30 s deadline, 3 attempts with full jitter 100 ms…10 s, a retry budget,
    /// a breaker (5 consecutive failures, open 10 s), a 10 s attempt timeout. Timeouts are cooperative:
    /// pass `attempt.deadline` (or `attempt.timeLimit`) to what you call, or set
    /// ``timeoutEnforcement`` to ``TimeoutEnforcement/cancel``.
    /// Each access makes a new budget and breaker: keep the pipeline you get and share it per client.
    public static var standard: Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(), retry: .standard, budget: RetryBudget(), breaker: CircuitBreaker(),
                 deadline: .seconds(30), attemptTimeout: .seconds(10))
    }

    public init(retry: RetryPolicy = .standard, budget: RetryBudget? = nil, breaker: CircuitBreaker? = nil, bulkhead: Bulkhead? = nil,
                deadline: Duration? = nil, attemptTimeout: Duration? = nil, timeoutEnforcement: TimeoutEnforcement = .cooperative,
                classifier: ClassifierChain = .core, logger: Logger? = nil) {
        self.init(clock: ContinuousClock(), retry: retry, budget: budget, breaker: breaker, bulkhead: bulkhead,
                  deadline: deadline, attemptTimeout: attemptTimeout, timeoutEnforcement: timeoutEnforcement,
                  classifier: classifier, logger: logger)
    }
}
