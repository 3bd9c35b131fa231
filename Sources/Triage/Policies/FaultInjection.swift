import Synchronization

/// In-process fault injection (chaos engineering as a policy, like Polly's chaos strategies): makes a
/// share of calls fail, slow down or return a substitute value, so resilience can be tested without a
/// misbehaving server.
///
/// Each call draws one uniform number in [0, 1) per ``Injection``, in the order given; an injection
/// fires when its draw is below its ``Injection/rate``. A ``Fault/latency(_:)`` waits on the clock and
/// the call goes on to the next injection; ``Fault/failure(_:)``, ``Fault/error(_:)`` and
/// ``Fault/outcome(_:)`` end the call (the operation is not run). With the same random source the same
/// calls are hit, so tests are exact.
///
/// Use it in a ``Pipeline`` through `wrap(_:)` (or `pipeline.run(injecting:)`): the
/// injected error is thrown inside the attempt, so it is classified, counted by the budget and the
/// breaker, and retried like a real one.
///
/// ```swift
/// let faults = try FaultInjection<String>([.init(.failure(Failure(.connectionReset)), rate: 0.1),
///                                          .init(.latency(.milliseconds(200)), rate: 0.05)])
/// let body = try await pipeline.run(idempotent: true, faults.wrap { _ in try await fetch() })
/// ```
public final class FaultInjection<Value: Sendable>: Sendable {
    /// What to inject into a call.
    public enum Fault: Sendable {
        /// Throw this classified failure instead of calling the operation.
        case failure(Failure)
        /// Throw this error instead of calling the operation (a classifier decides what it is).
        case error(any Error)
        /// Wait this long on the clock, then go on (to the other injections, then the operation).
        case latency(Duration)
        /// Return this value instead of calling the operation.
        case outcome(Value)
    }

    /// One fault and how often it fires: a value to copy and adjust, checked by ``validate()``, which
    /// ``FaultInjection/init(_:enabled:clock:random:)`` calls.
    public struct Injection: Sendable {
        /// What is injected.
        public var fault: Fault
        /// The probability per call, within 0…1 (0 never, 1 always).
        public var rate: Double

        public init(_ fault: Fault, rate: Double) {
            self.fault = fault
            self.rate = rate
        }

        /// - Throws: ``ConfigurationError`` when `rate` is outside 0…1 (or not a number), or a
        ///   latency is negative.
        public func validate() throws(ConfigurationError) {
            try ConfigurationError.require(rate.isFinite && (0...1).contains(rate), "FaultInjection.rate", "must be within 0…1 (\(rate))")
            if case .latency(let delay) = fault {
                try ConfigurationError.require(delay >= .zero, "FaultInjection.latency", "must not be negative (\(delay))")
            }
        }
    }

    /// The injections, asked in order for every call.
    public let injections: [Injection]

    private let enabled: Atomic<Bool>
    private let random: LockedValue<any RandomNumberGenerator & Sendable>
    private let counters: LockedValue<(calls: Int, fired: [Int])>
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - injections: asked in order for every call.
    ///   - enabled: whether faults are injected (default `true`); see ``isEnabled``.
    ///   - clock: the clock latency is waited on (tests pass a manual clock).
    ///   - random: the source of the per-call draws (default the system's; tests pass a seeded one).
    /// - Throws: ``ConfigurationError`` for the first injection that does not validate (``Injection/validate()``).
    public init<C: Clock>(
        _ injections: [Injection],
        enabled: Bool = true,
        clock: C,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) throws(ConfigurationError) where C.Duration == Duration {
        for injection in injections { try injection.validate() }
        self.injections = injections
        self.enabled = Atomic(enabled)
        self.random = LockedValue(random)
        self.counters = LockedValue((0, [Int](repeating: 0, count: injections.count)))
        self.sleep = { delay in try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil) }
    }

    /// Injections on the continuous clock.
    /// - Throws: ``ConfigurationError`` as ``init(_:enabled:clock:random:)``.
    public convenience init(
        _ injections: [Injection],
        enabled: Bool = true,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) throws(ConfigurationError) {
        try self.init(injections, enabled: enabled, clock: ContinuousClock(), random: random)
    }

    /// The switch: while `false`, calls pass straight through and draw no random numbers.
    public var isEnabled: Bool {
        get { enabled.load(ordering: .relaxed) }
        set { enabled.store(newValue, ordering: .relaxed) }
    }

    /// Calls made while enabled, and how often each injection fired (in the order of ``injections``).
    public var counts: (calls: Int, fired: [Int]) { counters.withLock { $0 } }

    /// Runs one call of `operation` with faults injected.
    /// - Throws: an injected failure or error, `CancellationError` if cancelled during injected latency,
    ///   or whatever `operation` throws.
    public func execute(_ operation: () async throws -> Value) async throws -> Value {
        guard isEnabled else { return try await operation() }
        counters.withLock { $0.calls += 1 }
        for (index, injection) in injections.enumerated() {
            let draw = random.withLock { generator in Double.random(in: 0..<1, using: &generator) }
            guard draw < injection.rate else { continue }
            counters.withLock { $0.fired[index] += 1 }
            switch injection.fault {
            case .latency(let delay):
                try await sleep(delay)
            case .failure(let failure):
                throw failure
            case .error(let error):
                throw error
            case .outcome(let value):
                return value
            }
        }
        return try await operation()
    }

    /// `operation` with faults injected, for `pipeline.run`.
    public func wrap<C: Clock>(
        _ operation: @escaping @Sendable (Pipeline<C>.Attempt) async throws -> Value
    ) -> @Sendable (Pipeline<C>.Attempt) async throws -> Value where C.Duration == Duration {
        { attempt in try await self.execute { try await operation(attempt) } }
    }

    /// `operation` with faults injected, for code that runs without a ``Pipeline``.
    public func wrap(_ operation: @escaping @Sendable () async throws -> Value) -> @Sendable () async throws -> Value {
        { try await self.execute(operation) }
    }
}
