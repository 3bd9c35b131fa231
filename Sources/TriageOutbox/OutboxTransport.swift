/// Sends one message to its receiver: HTTP (``HTTPOutboxTransport``) or your own.
///
/// ``send(_:)`` returns when the receiver has acknowledged the message (for HTTP: a 2xx response) and
/// throws otherwise; what it throws goes through the outbox's classifier chain, so a `Failure` or any
/// error the chain knows is the way to say what happened.
public protocol OutboxTransport: Sendable {
    func send(_ message: OutboxRecord) async throws
    /// Reports the link's state as it changes. When it reports ``OutboxConnectionEvent/connected`` after
    /// a loss, every message waiting on a backoff is due at once. The default reports nothing (the
    /// outbox then treats a success after connection failures as the link coming back).
    var connectionEvents: AsyncStream<OutboxConnectionEvent> { get }
}

/// A change of a transport's link.
public enum OutboxConnectionEvent: Sendable, Hashable {
    case connected
    case disconnected
}

extension OutboxTransport {
    public var connectionEvents: AsyncStream<OutboxConnectionEvent> { AsyncStream { $0.finish() } }
}
