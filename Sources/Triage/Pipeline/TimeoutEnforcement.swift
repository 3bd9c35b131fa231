/// How a ``Pipeline`` holds an attempt to its attempt timeout and the overall deadline: a value to
/// copy, with the two presets ``cooperative`` (the default of ``Pipeline``'s initialisers) and
/// ``cancel``. Every value works, so there is nothing to validate.
public struct TimeoutEnforcement: Sendable, Hashable {
    /// Whether an attempt still running when its time is up is cancelled (`true`, ``cancel``) or
    /// trusted to stop by itself (`false`, ``cooperative``; the default).
    public var cancels: Bool

    public init(cancels: Bool = false) {
        self.cancels = cancels
    }

    /// The attempt runs in a child task that is cancelled when its time is up, so any code that
    /// honours task cancellation is cut short. Costs a child task and a timer per attempt (a few µs).
    /// Choose it for attempts that do not take a deadline themselves.
    public static var cancel: TimeoutEnforcement { TimeoutEnforcement(cancels: true) }

    /// The attempt is handed its time (``Pipeline/Attempt/deadline``, ``Pipeline/Attempt/timeLimit``)
    /// and is trusted to stop by then, the way gRPC propagates deadlines and Polly's timeouts
    /// cooperate: pass it on to the client you call (`ResilientHTTPClient` gives it to AsyncHTTPClient).
    /// Nothing runs beside the attempt, so a successful call costs no task, timer or allocation. An
    /// attempt that overruns is not cut short; when it then fails with a timeout or deadline error,
    /// the failure is reported as `attempt.timeout` (or `deadline.exceeded` for the overall deadline).
    /// The default of ``Pipeline``'s initialisers.
    public static var cooperative: TimeoutEnforcement { TimeoutEnforcement() }
}
