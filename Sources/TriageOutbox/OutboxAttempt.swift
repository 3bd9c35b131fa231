import Triage

/// The record of one delivery attempt, stored with its message.
public struct OutboxAttempt: Sendable, Hashable {
    /// 1 for the first attempt.
    public var number: Int
    /// When it ended.
    public var at: OutboxTimestamp
    /// The failure's kind id (`"connect.refused"`), or `nil` when the attempt delivered the message.
    public var kind: String?
    /// Whether the receiver could have acted on it (`Delivery`'s id); `"processed"` for a success.
    public var delivery: String
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The wait before the next attempt, in milliseconds (`nil` when there is none).
    public var delayMilliseconds: Int64?

    public init(number: Int, at: OutboxTimestamp, kind: String?, delivery: String, status: Int?, delayMilliseconds: Int64?) {
        self.number = number
        self.at = at
        self.kind = kind
        self.delivery = delivery
        self.status = status
        self.delayMilliseconds = delayMilliseconds
    }
}

/// A message moved aside for good, with the failure that put it there.
public struct OutboxDeadLetter: Sendable, Hashable {
    public var id: String
    public var key: String
    public var seq: Int64
    public var idempotencyKey: String
    /// Attempts made, the last one included.
    public var attempts: Int
    /// The failure's kind id (`"http.invalid"`, `"message.expired"`).
    public var kind: String
    /// The HTTP status of the last response, if one arrived.
    public var status: Int?
    /// The failure in a line (``Failure/explanation``), with nothing secret in it.
    public var reason: String

    public init(id: String, key: String, seq: Int64, idempotencyKey: String, attempts: Int, kind: String, status: Int?, reason: String) {
        self.id = id
        self.key = key
        self.seq = seq
        self.idempotencyKey = idempotencyKey
        self.attempts = attempts
        self.kind = kind
        self.status = status
        self.reason = reason
    }
}

/// How many messages a store holds in each state.
public struct OutboxStats: Sendable, Hashable {
    /// Waiting to be sent (due or backing off), claims whose lease ended included.
    public var pending: Int
    /// Claimed under a lease that has not ended.
    public var inflight: Int
    public var delivered: Int
    public var dead: Int

    public init(pending: Int, inflight: Int, delivered: Int, dead: Int) {
        self.pending = pending
        self.inflight = inflight
        self.delivered = delivered
        self.dead = dead
    }
}

/// What the store holds that is not yet delivered or dead: the measure backpressure bounds.
public struct OutboxUsage: Sendable, Hashable {
    public var messages: Int
    /// Payload bytes.
    public var bytes: Int

    public init(messages: Int, bytes: Int) {
        self.messages = messages
        self.bytes = bytes
    }
}
