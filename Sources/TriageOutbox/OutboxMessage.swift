/// One message to deliver: what, to where, in which ordering scope, and how the receiver deduplicates it.
///
/// Messages of one ``key`` are delivered strictly in the order they were enqueued (message N+1 is not
/// sent before N is delivered or dead-lettered); messages of different keys are independent.
public struct OutboxMessage: Sendable, Hashable {
    /// The ordering scope. Default `"default"`.
    public var key: String
    /// Where the transport sends it (for ``HTTPOutboxTransport``, the URL it POSTs to).
    public var destination: String
    /// The body, sent as is.
    public var payload: [UInt8]
    /// Extra headers sent with the message, in order.
    public var headers: [OutboxHeader]
    /// The key the receiver deduplicates on; `nil` (the default) gives the message a new unique id.
    public var idempotencyKey: String?
    /// How long the message may wait before it is delivered; past it the message is dead-lettered as
    /// `message.expired`. `nil` (the default): no limit.
    public var maximumAge: Duration?

    public init(
        key: String = "default",
        destination: String,
        payload: [UInt8],
        headers: [OutboxHeader] = [],
        idempotencyKey: String? = nil,
        maximumAge: Duration? = nil
    ) {
        self.key = key
        self.destination = destination
        self.payload = payload
        self.headers = headers
        self.idempotencyKey = idempotencyKey
        self.maximumAge = maximumAge
    }

    /// A message whose body is `text` in UTF-8.
    public init(key: String = "default", destination: String, text: String, idempotencyKey: String? = nil) {
        self.init(key: key, destination: destination, payload: Array(text.utf8), idempotencyKey: idempotencyKey)
    }
}

/// One header of a message: a name and a value.
public struct OutboxHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
