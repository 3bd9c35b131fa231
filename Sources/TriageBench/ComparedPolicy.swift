/// The client behaviours the demo and `triage bench storm` compare.
public enum ComparedPolicy: String, Sendable, Hashable, CaseIterable {
    /// One attempt per request, no retry.
    case none
    /// Up to 3 attempts, immediately one after another, whatever the failure (what many clients do).
    case naive
    /// Triage's ``Pipeline/standard`` (3 attempts, full-jitter backoff, retry budget, circuit breaker,
    /// Retry-After honoured), one pipeline shared by every request of the client.
    case standard
}
