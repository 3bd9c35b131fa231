/// A stored message, as a store hands it to the delivery loop when it claims it.
public struct OutboxRecord: Sendable, Hashable {
    /// The message's id (``OutboxIdentifier``), unique in its store.
    public var id: String
    /// The ordering scope.
    public var key: String
    /// The message's position within its key, from 1.
    public var seq: Int64
    /// Where the transport sends it.
    public var destination: String
    public var payload: [UInt8]
    public var headers: [OutboxHeader]
    /// The key the receiver deduplicates on.
    public var idempotencyKey: String
    /// When it was enqueued.
    public var createdAt: OutboxTimestamp
    /// When it expires (`message.expired`), if it has a maximum age.
    public var expiresAt: OutboxTimestamp?
    /// Attempts made so far (this claim's attempt not counted).
    public var attempts: Int
    /// Failed attempts since the last reset of the backoff (a success or a reconnect resets it).
    public var consecutiveFailures: Int
    /// The claim this copy was handed out under: updates by another claimant are refused.
    public var claim: String

    public init(id: String, key: String, seq: Int64, destination: String, payload: [UInt8], headers: [OutboxHeader],
                idempotencyKey: String, createdAt: OutboxTimestamp, expiresAt: OutboxTimestamp?, attempts: Int,
                consecutiveFailures: Int, claim: String) {
        self.id = id
        self.key = key
        self.seq = seq
        self.destination = destination
        self.payload = payload
        self.headers = headers
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.consecutiveFailures = consecutiveFailures
        self.claim = claim
    }
}
