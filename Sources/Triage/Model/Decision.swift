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
    @inlinable
    public var isRetryable: Bool {
        switch self {
        case .retry, .retryAfter: true
        default: false
        }
    }

    public var description: String { rawValue }

    /// A bit of its own, for sets of decisions kept as masks (a switch: `==` on a `String`-backed enum
    /// compares raw strings).
    @inlinable
    var bit: UInt8 {
        switch self {
        case .retry: 1
        case .retryAfter: 2
        case .refresh: 4
        case .relist: 8
        case .reconnect: 16
        case .fail: 32
        case .stop: 64
        }
    }
}
