import Synchronization

/// The receiving side's deduplication: remembers the idempotency keys it has accepted for a retention
/// window, so a message the outbox sends again (it delivers at least once) is acted on once.
///
/// It lives in memory; a receiver that must deduplicate across its own restarts stores the keys with
/// the effect they guard, in one transaction. Times are ``OutboxTimestamp``s the caller passes.
public final class OutboxInbox: Sendable {
    /// How long a key is remembered after it was first seen, in milliseconds. Default: 24 hours.
    public let retentionMilliseconds: Int64
    private let seen = Mutex<[String: OutboxTimestamp]>([:])
    private let oldest = Mutex<OutboxTimestamp>(0)

    public init(retention: Duration = .seconds(86_400)) {
        retentionMilliseconds = retention.outboxMilliseconds
    }

    /// Whether the key is new: `true` the first time within the retention window (act on it), `false` for
    /// a duplicate (acknowledge it, do nothing).
    public func accept(_ idempotencyKey: String, now: OutboxTimestamp) -> Bool {
        let cutoff = now - retentionMilliseconds
        return seen.withLock { seen in
            if let first = seen[idempotencyKey], first > cutoff { return false }
            seen[idempotencyKey] = now
            if oldest.withLock({ $0 }) <= cutoff, seen.count > 1024 {
                seen = seen.filter { $0.value > cutoff }
                oldest.withLock { $0 = seen.values.min() ?? now }
            }
            return true
        }
    }

    /// Keys remembered now.
    public var count: Int { seen.withLock { $0.count } }
}
