import Triage
/// The receiving side's deduplication: remembers the idempotency keys it has accepted for a retention
/// window, so a message the outbox sends again (it delivers at least once) is acted on once.
///
/// It lives in memory; a receiver that must deduplicate across its own restarts stores the keys with
/// the effect they guard, in one transaction. Times are ``OutboxTimestamp``s the caller passes.
public final class OutboxInbox: Sendable {
    /// How long a key is remembered after it was first seen, in milliseconds. Default: 24 hours.
    public let retentionMilliseconds: Int64
    private let seen = LockedValue<[String: OutboxTimestamp]>([:])
    private let inProgress = LockedValue<Set<String>>([])
    private let oldest = LockedValue<OutboxTimestamp>(0)

    public init(retention: Duration = .seconds(86_400)) {
        retentionMilliseconds = retention.outboxMilliseconds
    }

    /// What ``handle(_:now:_:)`` did with a message.
    public enum Outcome<Value: Sendable>: Sendable {
        /// The key was new: the effect ran and succeeded; the key is remembered from now on.
        case acted(Value)
        /// The key was seen within the retention window: acknowledge the message, do nothing.
        case duplicate
        /// The same key is being acted on now: answer "retry later" (503), not "done" — the first may still fail.
        case busy
    }

    /// Runs `effect` for a new key and remembers the key only once it succeeded, so a message whose
    /// effect failed (the receiver answers 5xx) is acted on when the outbox sends it again.
    ///
    /// - Throws: what `effect` throws; the key is then not remembered.
    public func handle<Value: Sendable>(_ idempotencyKey: String, now: OutboxTimestamp,
                                        _ effect: () async throws -> Value) async throws -> Outcome<Value> {
        let cutoff = now - retentionMilliseconds
        if let first = seen.withLock({ $0[idempotencyKey] }), first > cutoff { return .duplicate }
        guard inProgress.withLock({ $0.insert(idempotencyKey).inserted }) else { return .busy }
        defer { _ = inProgress.withLock { $0.remove(idempotencyKey) } }
        let value = try await effect()
        _ = accept(idempotencyKey, now: now)
        return .acted(value)
    }

    /// Whether the key is new: `true` the first time within the retention window (act on it), `false` for
    /// a duplicate (acknowledge it, do nothing). It remembers the key at once: use it only where acting on
    /// the message cannot fail afterwards; otherwise ``handle(_:now:_:)``.
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
