/// What the caller should do after a failure (taxonomy.md, "Decision").
///
/// `retryable` everywhere in Triage means `.retry` or `.retryAfter`.
public enum Decision: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Transient: try the same request again after a backoff.
    case retry
    /// Someone named a time to wait: retry after it, capped by policy.
    case retryAfter
    /// Optimistic-concurrency conflict: re-read, rebuild the request, then retry.
    case refresh
    /// A watch or resume point is too old: start again from a fresh full read.
    case relist
    /// A long-running stream ended normally: resume at once; not an error.
    case reconnect
    /// Permanent: the same request will fail the same way.
    case fail
    /// The caller gave up (cancelled, deadline spent): do not retry, not a server failure.
    case stop

    /// The stable string id (`"retryAfter"`, ...).
    public var id: String { rawValue }

    /// `true` for `.retry` and `.retryAfter`.
    public var isRetryable: Bool { self == .retry || self == .retryAfter }

    public var description: String { rawValue }
}
