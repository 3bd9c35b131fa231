import Triage

/// How an ``Outbox`` delivers and how much it holds. Copy ``defaults`` and adjust.
public struct OutboxConfiguration: Sendable {
    /// Messages being sent at once, each of a different key. Default 16. Up to four times as many are
    /// claimed at once: waiting for a sender, or their outcome being stored.
    public var concurrency: Int = 16
    /// How long a claim holds a message before another process may take it. Default 30 s; renewed every
    /// third of it while the message is in flight. A send starts only while a third of the lease is left
    /// (the claim renewed first when less is), so a transport's attempt timeout should stay within a third
    /// (``HTTPOutboxTransport``'s default is 10 s).
    public var lease: Duration = .seconds(30)
    /// The longest the loop sleeps before looking for due messages again (other processes enqueue
    /// without waking it). Default 200 ms.
    public var pollInterval: Duration = .milliseconds(200)
    /// How long delivered messages are kept (without their payloads) before a delivering process deletes
    /// them, checking once a minute; they stay counted in ``OutboxStore/stats(now:)``. Default 1 hour.
    public var deliveredRetention: Duration = .seconds(3600)
    /// What happens after a failed attempt. Default ``OutboxRetryRule/defaults``.
    public var retry: OutboxRetryRule = .defaults
    /// The most messages the store may hold undelivered before ``Outbox/enqueue(_:)`` waits. Default 100,000.
    public var maximumPendingMessages: Int = 100_000
    /// The most payload bytes the store may hold undelivered before ``Outbox/enqueue(_:)`` waits. Default 256 MiB.
    public var maximumPendingBytes: Int = 256 << 20
    /// How long ``Outbox/enqueue(_:)`` waits for room before it throws `outbox.full`. Default 5 s.
    public var enqueueTimeout: Duration = .seconds(5)
    /// On ``Outbox/stop()``, how long messages in flight may take to finish before they are cancelled
    /// and released. Default 5 s.
    public var shutdownGrace: Duration = .seconds(5)
    /// Classifies what a transport throws. Default ``ClassifierChain/core`` (a `Failure` is kept as is;
    /// ``HTTPOutboxTransport`` classifies its own errors).
    public var classifier: ClassifierChain = .core
    /// Called at the named points of each delivery; for crash tests (SIGKILL the process there). Default none.
    public var faultPoint: (@Sendable (OutboxFaultPoint) -> Void)? = nil

    public init() {}

    /// The defaults.
    public static var defaults: OutboxConfiguration { OutboxConfiguration() }

    /// Throws ``OutboxError`` naming the first field out of range.
    public func validate() throws(OutboxError) {
        guard concurrency >= 1 else { throw OutboxError(.invalidConfiguration, "concurrency must be at least 1 (\(concurrency))") }
        guard lease >= .milliseconds(100) else { throw OutboxError(.invalidConfiguration, "lease must be at least 100 ms (\(lease))") }
        guard pollInterval > .zero else { throw OutboxError(.invalidConfiguration, "pollInterval must be positive") }
        guard deliveredRetention >= .zero else { throw OutboxError(.invalidConfiguration, "deliveredRetention must not be negative") }
        guard maximumPendingMessages >= 1, maximumPendingBytes >= 1 else {
            throw OutboxError(.invalidConfiguration, "maximumPendingMessages and maximumPendingBytes must be at least 1")
        }
    }
}

/// A point in a delivery where ``OutboxConfiguration/faultPoint`` is called.
public enum OutboxFaultPoint: String, Sendable, Hashable, CaseIterable {
    /// The message is claimed; nothing was sent.
    case afterClaim
    /// The receiver acknowledged the message; the store does not know yet.
    case afterSend
    /// Just before the store is told the message was delivered.
    case beforeMarkDelivered
}
