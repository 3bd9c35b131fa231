import Logging
import Triage

/// A durable must-deliver outbox: messages are stored before ``enqueue(_:)`` returns and delivered at
/// least once, in order within a key, by ``run(transport:untilEmpty:)``.
///
/// - Every failure goes through ``OutboxConfiguration/classifier`` and ``OutboxRetryRule``: retryable
///   ones are sent again after a backoff (a receiver's Retry-After honoured), permanent ones move the
///   message to the dead letters and its key goes on. Each attempt is stored with its message.
/// - Claims are leased (``OutboxConfiguration/lease``, renewed while in flight): a killed process's
///   messages return to pending when the lease ends. A send starts only while at least a third of the
///   lease is left (renewing the claim first when less is); a message whose lease lapsed and was taken
///   over is dropped unsent, its taker delivers it.
/// - When the link comes back (the transport reports ``OutboxConnectionEvent/connected``, or a message
///   gets through after connection failures) every message waiting on a backoff is due at once.
/// - Backpressure: ``enqueue(_:)`` waits while the store holds more than the bounds, then throws a
///   `Failure` of kind `outbox.full`.
///
/// ```swift
/// let outbox = Outbox(store: store, logger: logger)
/// try await outbox.enqueue(OutboxMessage(key: "robot-7", destination: "http://127.0.0.1:8080/events", text: "{}"))
/// try await outbox.run(transport: transport)
/// ```
public final class Outbox: Sendable {
    public let store: any OutboxStore
    public let configuration: OutboxConfiguration
    let clock: OutboxClock
    let random: RandomSource
    let logger: Logger
    /// This instance's claim token: every claim it makes is under it.
    public let owner: String
    let wakeup = OutboxWakeup()
    let state = LockedValue(RunState())
    let usageCache = LockedValue(UsageCache())

    struct RunState {
        /// Claimed and not yet settled (waiting for a sender, being sent, or its outcome being stored), each
        /// with the end of its lease as the store last confirmed it: the `leaseUntil` of the claim or renewal
        /// that returned it, `Int64.min` once a renewal found it taken over.
        var leases: [String: OutboxTimestamp] = [:]
        /// Claimed, waiting for a sender, oldest first.
        var ready: [OutboxRecord] = []
        /// Senders running, at most ``OutboxConfiguration/concurrency``.
        var senders = 0
        var stopRequested = false
        /// A message failed without reaching the receiver since the last success.
        var unreachable = false
        /// Counts the times the link came back, so that a failure recorded while one was being handled
        /// is not left waiting on its backoff.
        var linkGeneration = 0
    }

    struct UsageCache {
        var usage = OutboxUsage(messages: 0, bytes: 0)
        var readAt: OutboxTimestamp?
        /// A caller is reading the store's usage now.
        var reading = false
    }

    /// - Parameters:
    ///   - clock: stored times and waits; default ``OutboxClock/system``.
    ///   - random: backoff jitter; default ``Triage/RandomSource/system``.
    public init(store: any OutboxStore, configuration: OutboxConfiguration = .defaults, clock: OutboxClock = .system,
                random: RandomSource = .system, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.random = random
        self.logger = logger
        self.owner = OutboxIdentifier.make()
    }

    /// Asks ``run(transport:untilEmpty:)`` to stop: it claims nothing more, lets messages in flight finish
    /// for up to ``OutboxConfiguration/shutdownGrace``, releases the rest, and returns.
    public func stop() {
        state.withLock { $0.stopRequested = true }
        wakeup.signal()
    }

    /// The ids of the messages this instance has claimed and not yet settled: waiting to be sent, being
    /// sent, or their outcome being stored.
    public var inflight: Set<String> { state.withLock { Set($0.leases.keys) } }
}
