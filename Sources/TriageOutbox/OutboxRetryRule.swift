import Triage

/// What happens to a message after a failed attempt: the outbox's retry rule, a pure function.
///
/// - `retry` (and `refresh`, `relist`, `reconnect`: a resend is the only way forward for a message that
///   must arrive) → wait `backoff.delay(retry: consecutiveFailures)`, then send again;
/// - `retryAfter` → wait the named delay, capped at ``maximumRetryAfter`` (default 10 minutes), and at
///   least the backoff's draw is not added: the receiver named its time;
/// - `fail` → dead letter; the key goes on; so is any 4xx response but those in ``retriedClientStatuses``
///   (default 408, 409, 425, 429), whatever its kind's decision (a 412's `refresh`, a 413's Retry-After):
///   the outbox resends the same bytes, so nothing a refresh would change can make them succeed;
/// - `stop` (a deadline or budget of the transport's spent) → retry after the backoff too: the message is
///   not at fault. (When the outbox itself is being stopped, it releases the message without asking the rule.)
///
/// A message whose next attempt would fall after its expiry is dead-lettered as `message.expired` at once.
public struct OutboxRetryRule: Sendable, Hashable {
    /// The wait between attempts while the receiver cannot be reached. Default ``Backoff/standard``
    /// (full jitter, 100 ms doubling to 10 s).
    public var backoff: Backoff
    /// The longest Retry-After honoured. Default 10 minutes.
    public var maximumRetryAfter: Duration
    /// The 4xx statuses that are retried; every other 4xx dead-letters the message. Default 408, 409, 425, 429.
    public var retriedClientStatuses: Set<Int>

    public init(backoff: Backoff = .standard, maximumRetryAfter: Duration = .seconds(600),
                retriedClientStatuses: Set<Int> = [408, 409, 425, 429]) {
        self.backoff = backoff
        self.maximumRetryAfter = maximumRetryAfter
        self.retriedClientStatuses = retriedClientStatuses
    }

    /// The default rule.
    public static var defaults: OutboxRetryRule { OutboxRetryRule() }

    /// What to do with a message.
    public enum Action: Sendable, Hashable {
        /// Send again after `delay`; `named`: the receiver named it (Retry-After).
        case retry(delay: Duration, named: Bool)
        /// Move to the dead letters with this kind.
        case deadLetter(kind: FailureKind)
    }

    /// The action after `failure`, the message's `consecutiveFailures`-th failure in a row (1 for the
    /// first), at `now`, for a message expiring at `expiresAt`.
    public func action(after failure: Failure, consecutiveFailures: Int, now: OutboxTimestamp,
                       expiresAt: OutboxTimestamp?, using generator: inout some RandomNumberGenerator) -> Action {
        let delay: Duration
        var named = false
        if let status = failure.status, (400..<500).contains(status), !retriedClientStatuses.contains(status) {
            return .deadLetter(kind: failure.kind)
        }
        switch failure.decision {
        case .fail:
            return .deadLetter(kind: failure.kind)
        case .retryAfter:
            if let retryAfter = failure.retryAfter {
                delay = min(max(retryAfter, .zero), maximumRetryAfter)
                named = true
            } else {
                delay = backoff.delay(retry: consecutiveFailures, previous: nil, using: &generator).delay
            }
        case .retry, .refresh, .relist, .reconnect, .stop:
            delay = backoff.delay(retry: consecutiveFailures, previous: nil, using: &generator).delay
        }
        if let expiresAt, now + delay.outboxMilliseconds >= expiresAt {
            return .deadLetter(kind: .messageExpired)
        }
        return .retry(delay: delay, named: named)
    }
}
