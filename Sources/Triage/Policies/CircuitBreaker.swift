import Synchronization

/// When to stop calling a failing dependency, and how to find out it has recovered.
///
/// - closed: calls go through; counted failures are tracked (consecutively, or as a ratio over a
///   sliding window with a minimum number of calls).
/// - open: calls are rejected at once with `circuit.open` (decision `retryAfter`, the remaining open
///   time) for ``openDuration`` — longer if a server's Retry-After asks for more.
/// - half-open: up to ``halfOpenProbes`` calls go through; one success closes the circuit, one
///   failure opens it again. A probe that has not reported after ``maximumProbeDuration`` is released,
///   so a probe that never reports cannot hold the circuit half-open for good.
///
/// The ``Pipeline`` admits calls with tickets (``CircuitBreakerState/Ticket``): only a ticket of the
/// current generation reports, so a call admitted while closed that ends during half-open neither
/// frees a probe slot nor reopens the circuit on old evidence.
///
/// Only failures whose kind ``countsFailure(_:)`` counts trip it: 5xx and transport errors; not 4xx
/// like 404, not throttling (the server is up and asked this client to slow down: Retry-After does
/// that, while an open breaker would cut a healthy dependency off for its whole open time), not
/// cancellation, not a caller's deadline.
public struct CircuitBreakerPolicy: Sendable, Hashable {
    /// What trips the breaker.
    public enum Trip: Sendable, Hashable {
        /// `failures` counted failures in a row.
        case consecutiveFailures(Int)
        /// At least `ratio` of the calls in the last `window` failed, over at least `minimumCalls` calls.
        case failureRatio(Double, window: Duration, minimumCalls: Int)
    }

    /// What trips it (default 5 consecutive counted failures).
    public var trip: Trip
    /// How long it stays open (default 10 s; positive).
    public var openDuration: Duration
    /// Calls let through at once while half-open (default 1; at least 1).
    public var halfOpenProbes: Int
    /// The longest a Retry-After may hold the breaker open (default 5 minutes; at least ``openDuration``).
    public var maximumOpenDuration: Duration
    /// How long a half-open probe may go without reporting before its slot is given to another call
    /// (default 30 s; positive).
    public var maximumProbeDuration: Duration

    /// Checked by ``validate()`` (``CircuitBreaker/init(policy:onTransition:)`` calls it); a policy that
    /// does not validate still never traps (a window is clamped to 100 years).
    public init(trip: Trip = .consecutiveFailures(5), openDuration: Duration = .seconds(10), halfOpenProbes: Int = 1,
                maximumOpenDuration: Duration = .seconds(300), maximumProbeDuration: Duration = .seconds(30)) {
        self.trip = trip
        self.openDuration = openDuration
        self.halfOpenProbes = halfOpenProbes
        self.maximumOpenDuration = maximumOpenDuration
        self.maximumProbeDuration = maximumProbeDuration
    }

    /// - Throws: ``ConfigurationError`` for counts below 1, a ratio outside 0…1, non-positive durations, a
    ///   window above 100 years.
    public func validate() throws(ConfigurationError) {
        switch trip {
        case .consecutiveFailures(let count):
            try ConfigurationError.require(count >= 1, "CircuitBreakerPolicy.consecutiveFailures", "must be at least 1 (\(count))")
        case .failureRatio(let ratio, let window, let minimumCalls):
            try ConfigurationError.require(ratio > 0 && ratio <= 1, "CircuitBreakerPolicy.failureRatio", "must be within 0…1 (\(ratio))")
            try ConfigurationError.require(window > .zero && window <= SlidingWindow.maximumLength, "CircuitBreakerPolicy.window",
                                           "must be positive and at most 100 years (\(window))")
            try ConfigurationError.require(minimumCalls >= 1, "CircuitBreakerPolicy.minimumCalls", "must be at least 1")
        }
        try ConfigurationError.require(openDuration > .zero, "CircuitBreakerPolicy.openDuration", "must be positive")
        try ConfigurationError.require(halfOpenProbes >= 1, "CircuitBreakerPolicy.halfOpenProbes", "must be at least 1")
        try ConfigurationError.require(maximumOpenDuration >= openDuration, "CircuitBreakerPolicy.maximumOpenDuration", "must be at least openDuration")
        try ConfigurationError.require(maximumProbeDuration > .zero, "CircuitBreakerPolicy.maximumProbeDuration", "must be positive")
    }

    /// Five consecutive counted failures open it for 10 s; one probe at a time.
    public static var standard: CircuitBreakerPolicy { CircuitBreakerPolicy() }

    /// Whether a failure says something about the dependency's health: transient failures the
    /// dependency caused (decision `retry`/`retryAfter`) other than throttling. Local rejections,
    /// permanent failures (4xx, bad certificates, bad URLs) and the caller's own limits (cancellation,
    /// deadline) do not count.
    public static func countsFailure(_ failure: Failure) -> Bool {
        isServerTransient(failure) && failure.kind != .httpThrottled
    }

    /// Transient failures the dependency caused, throttling included: what the retry budget and the
    /// adaptive throttle count against it.
    public static func isServerTransient(_ failure: Failure) -> Bool {
        failure.isRetryable && failure.kind != .concurrencyLimited && failure.kind != .circuitOpen && failure.kind != .budgetExhausted
    }
}

/// The breaker's state: a pure value driven by the times it is given.
///
/// Every `now` is a `Duration` since an origin the caller picks (the start of a test, a clock's
/// first reading), the same for every call on one state.
public struct CircuitBreakerState: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable { case closed, open, halfOpen }

    /// What to do with a call.
    public enum Admission: Sendable, Hashable {
        case allow
        /// A half-open probe: its result decides the circuit.
        case probe
        /// Rejected; open for this much longer.
        case reject(remaining: Duration)
    }

    public internal(set) var phase: Phase = .closed {
        didSet { if phase != oldValue { generation &+= 1 } }
    }
    /// Counts phase changes: a ``Ticket`` reports only while its generation is current.
    public private(set) var generation: UInt64 = 0
    /// When the last probe of this half-open phase was admitted.
    var lastProbeAdmitted: Duration = .zero
    /// When the open phase ends (meaningful while open), as an offset on the caller's clock.
    public private(set) var openUntil: Duration = .zero
    var consecutive = 0
    var probesInFlight = 0
    var window: SlidingWindow

    public let policy: CircuitBreakerPolicy

    public init(policy: CircuitBreakerPolicy) {
        self.policy = policy
        if case .failureRatio(_, let length, _) = policy.trip {
            window = SlidingWindow(length: length)
        } else {
            window = SlidingWindow(length: .seconds(1))
        }
    }

    /// Decides whether a call at `now` may go through.
    public mutating func admit(now: Duration) -> Admission {
        switch phase {
        case .closed:
            return .allow
        case .open:
            if now < openUntil { return .reject(remaining: openUntil - now) }
            phase = .halfOpen
            probesInFlight = 0
            return admit(now: now)
        case .halfOpen:
            guard probesInFlight < policy.halfOpenProbes else { return .reject(remaining: .zero) }
            probesInFlight += 1
            return .probe
        }
    }

    /// Records a call's result; returns the new phase when it changed.
    @discardableResult
    public mutating func record(success: Bool, counted: Bool = true, retryAfter: Duration? = nil, now: Duration) -> Phase? {
        let before = phase
        switch phase {
        case .halfOpen:
            probesInFlight = max(0, probesInFlight - 1)
            if success {
                close()
            } else if counted {
                open(now: now, retryAfter: retryAfter)
            }
        case .closed:
            guard counted || success else { break }
            if case .failureRatio = policy.trip { window.record(failure: !success, now: now) }
            consecutive = success ? 0 : consecutive + 1
            if !success, shouldTrip(now: now) { open(now: now, retryAfter: retryAfter) }
        case .open:
            break
        }
        return phase == before ? nil : phase
    }

    /// Whether recording a success now would leave the state as it is: closed, no failure in a row,
    /// and a trip that keeps no window.
    var successChangesNothing: Bool {
        guard case .closed = phase, consecutive == 0, case .consecutiveFailures = policy.trip else { return false }
        return true
    }

    mutating func close() {
        phase = .closed
        consecutive = 0
        window.reset()
    }

    func shouldTrip(now: Duration) -> Bool {
        switch policy.trip {
        case .consecutiveFailures(let count):
            return consecutive >= count
        case .failureRatio(let ratio, _, let minimumCalls):
            let (calls, failures) = window.totals(now: now)
            return calls >= minimumCalls && Double(failures) >= ratio * Double(calls)
        }
    }

    mutating func open(now: Duration, retryAfter: Duration?) {
        let duration = min(max(policy.openDuration, retryAfter ?? .zero), policy.maximumOpenDuration)
        phase = .open
        openUntil = now + duration
        consecutive = 0
        window.reset()
    }
}

/// A circuit breaker shared by the operations of a client: ``CircuitBreakerState`` behind a lock,
/// with an observer for transitions.
public final class CircuitBreaker: Sendable {
    let state: LockedValue<CircuitBreakerState>
    let onTransition: (@Sendable (CircuitBreakerState.Phase, CircuitBreakerState.Phase) -> Void)?
    /// Mirrors of the state for the success path, which reads them without the lock: whether the
    /// circuit is closed, and whether a success would change nothing (closed, no failure counted in
    /// a row, and no window to record into). Written under the lock after every change.
    /// The generation while closed, `UInt64.max` otherwise: a fast-path call holds a closed ticket of it.
    @usableFromInline let closedGeneration = Atomic(UInt64(0))
    @usableFromInline let successChangesNothing: Atomic<Bool>
    /// The end of the open phase in nanoseconds on the caller's clock; `Int64.min` unless open.
    @usableFromInline let openUntilNanoseconds = Atomic(Int64.min)

    /// A breaker on ``CircuitBreakerPolicy/standard``.
    public convenience init(onTransition: (@Sendable (_ from: CircuitBreakerState.Phase, _ to: CircuitBreakerState.Phase) -> Void)? = nil) {
        self.init(validated: .standard, onTransition: onTransition)
    }

    /// - Throws: ``ConfigurationError`` when `policy` does not validate (``CircuitBreakerPolicy/validate()``).
    public convenience init(policy: CircuitBreakerPolicy,
                            onTransition: (@Sendable (_ from: CircuitBreakerState.Phase, _ to: CircuitBreakerState.Phase) -> Void)? = nil)
    throws(ConfigurationError) {
        try policy.validate()
        self.init(validated: policy, onTransition: onTransition)
    }

    init(validated policy: CircuitBreakerPolicy,
         onTransition: (@Sendable (_ from: CircuitBreakerState.Phase, _ to: CircuitBreakerState.Phase) -> Void)?) {
        let initial = CircuitBreakerState(policy: policy)
        state = LockedValue(initial)
        successChangesNothing = Atomic(initial.successChangesNothing)
        self.onTransition = onTransition
    }

    /// The phase now.
    public var phase: CircuitBreakerState.Phase { state.withLock { $0.phase } }

    /// Whether calls go straight through now (read without the lock).
    @inlinable public var isClosed: Bool { closedGeneration.load(ordering: .relaxed) != .max }

    /// The open time left at `now`, or `nil` when a call may go through (closed, half-open, or open
    /// and due to half-open). Changes nothing: a rejection needs no transition.
    ///
    /// Times given to a shared breaker are the engine's (a `Duration` since the epoch of the clock's
    /// instant type, `ClockEpochs`), so these methods are the package's: users share a breaker by
    /// giving it to pipelines, and drive ``CircuitBreakerState`` directly on times of their own.
    @inlinable
    package func openRemaining(now: Duration) -> Duration? {
        let openUntil = openUntilNanoseconds.load(ordering: .relaxed)
        guard openUntil != .min else { return nil }
        let remaining = Duration.nanoseconds(openUntil) - now
        return remaining > .zero ? remaining : nil
    }

    package func admit(now: Duration) -> CircuitBreakerState.Admission {
        let (admission, before, after) = state.withLock { state in
            let before = state.phase
            let admission = state.admit(now: now)
            publish(state)
            return (admission, before, state.phase)
        }
        if before != after { onTransition?(before, after) }
        return admission
    }

    /// Records a success at `now`; on a closed circuit with no failure counted (the common case) it
    /// returns at once, without a lock.
    @inlinable
    package func recordSuccess(now: Duration) {
        if successChangesNothing.load(ordering: .relaxed) { return }
        record(success: true, counted: true, retryAfter: nil, now: now)
    }

    @usableFromInline
    package func record(success: Bool, counted: Bool, retryAfter: Duration?, now: Duration) {
        // Concurrent calls finish in no particular order, so skipping a success that changes nothing
        // loses nothing.
        if success, successChangesNothing.load(ordering: .relaxed) { return }
        let (before, after) = state.withLock { state in
            let before = state.phase
            state.record(success: success, counted: counted, retryAfter: retryAfter, now: now)
            publish(state)
            return (before, state.phase)
        }
        if before != after { onTransition?(before, after) }
    }

    /// Updates the lock-free mirrors; called under the lock.
    func publish(_ state: CircuitBreakerState) {
        let isClosed: Bool
        if case .closed = state.phase { isClosed = true } else { isClosed = false }
        closedGeneration.store(isClosed ? state.generation : .max, ordering: .relaxed)
        successChangesNothing.store(state.successChangesNothing, ordering: .relaxed)
        let isOpen: Bool
        if case .open = state.phase { isOpen = true } else { isOpen = false }
        // Offsets on the caller's clock are far below 2^53 ns (104 days), where a Double is exact.
        openUntilNanoseconds.store(isOpen ? Int64(max(-9.2e18, min(9.2e18, state.openUntil.nanoseconds))) : .min, ordering: .relaxed)
    }
}
