import Triage

/// What a ``ChaosServer`` does to the requests it gets: a plain value, validated when made.
///
/// For every request (other than the `/_chaos/` control endpoints) the server, in order:
/// 1. waits for a slot when ``capacity`` is set and ``overCapacity`` is `.wait`, or answers
///    ``capacityStatus`` at once when it is `.reject` and all slots are taken;
/// 2. waits the ``latency``;
/// 3. with probability ``faultRate`` acts out one of ``faults`` (chosen uniformly) on the socket;
/// 4. else with probability ``errorRate`` answers ``errorStatus`` with an ``errorBody`` and a
///    `Retry-After` from ``retryAfter`` (when not empty);
/// 5. else answers `200` with a small body.
///
/// Every request draws the same number of random values from a generator seeded with ``seed``,
/// so N requests give the same counts on every run (the order among concurrent requests may vary).
public struct ChaosScenario: Sendable, Hashable {
    /// What to do over capacity.
    public enum OverCapacity: String, Sendable, Hashable, CaseIterable {
        /// Answer ``ChaosScenario/capacityStatus`` at once.
        case reject
        /// Queue until a slot frees up.
        case wait
    }

    /// The fraction of requests (0…1) answered with ``errorStatus``. Default 0.
    public var errorRate: Double = 0
    /// The status of injected errors (400…599). Default 503.
    public var errorStatus: Int = 503
    /// `Retry-After` header values sent with errors and capacity rejections, one picked at random per
    /// response: whole seconds like `"2"`, or an HTTP date, as ``RetryAfter`` parses them. Default none.
    public var retryAfter: [String] = []
    /// The body of injected errors. Default `.plain`.
    public var errorBody: ChaosErrorBody = .plain
    /// The wait before answering. Default `.none`.
    public var latency: ChaosLatency = .none
    /// At most this many requests at once (the control endpoints excepted); `nil` (default) is unlimited.
    public var capacity: Int?
    /// What requests over ``capacity`` get. Default `.reject`.
    public var overCapacity: OverCapacity = .reject
    /// The status of capacity rejections (400…599). Default 503.
    public var capacityStatus: Int = 503
    /// The fraction of requests (0…1) that meet a connection fault instead of a response. Default 0.
    public var faultRate: Double = 0
    /// The faults to pick from. Default `[.reset]`.
    public var faults: [ChaosFault] = [.reset]
    /// The random seed; `nil` (default) seeds from the system's random source.
    public var seed: UInt64?

    /// A healthy server: every request gets 200 at once.
    public init() {}

    /// Checks every range.
    /// - Throws: ``ChaosScenarioError`` with code `outOfRange`.
    public func validated() throws(ChaosScenarioError) -> ChaosScenario {
        func require(_ condition: Bool, _ message: String) throws(ChaosScenarioError) {
            // The message starts with the field's name.
            if !condition { throw ChaosScenarioError(.outOfRange, message, field: message.split(separator: " ").first.map(String.init)) }
        }
        try require((0...1).contains(errorRate), "error_rate must be within 0…1 (got \(errorRate))")
        try require((0...1).contains(faultRate), "fault_rate must be within 0…1 (got \(faultRate))")
        try require((400...599).contains(errorStatus), "error_status must be within 400…599 (got \(errorStatus))")
        try require((400...599).contains(capacityStatus), "capacity_status must be within 400…599 (got \(capacityStatus))")
        try require(capacity.map { $0 >= 1 } ?? true, "capacity must be at least 1 (got \(capacity ?? 0))")
        try require(faultRate == 0 || !faults.isEmpty, "faults must name at least one fault when fault_rate is above 0")
        try require(retryAfter.allSatisfy { RetryAfter.parse($0, now: 0) != nil && $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } },
                    "retry_after values must be whole seconds or an HTTP date (got \(retryAfter.map { "'\($0.prefix(40))'" }.joined(separator: ", ")))")
        return self
    }
}

/// A connection-level fault a ``ChaosServer`` can act out after reading a request.
public enum ChaosFault: String, Sendable, Hashable, CaseIterable {
    /// Reset the connection (RST): clients see `connection.reset`.
    case reset
    /// Close cleanly (FIN) before any response byte: `connection.closed`.
    case close
    /// Send a head declaring 100 body bytes, 10 of them, then close: `response.incomplete`.
    case truncate
    /// Never answer: the client's read timeout fires (`response.timeout`).
    case stall
}

/// The shape of an injected error's body.
public enum ChaosErrorBody: String, Sendable, Hashable, CaseIterable {
    /// `text/plain`, the reason phrase.
    case plain
    /// A Kubernetes `Status` object (`application/json`), with `details.retryAfterSeconds` when a
    /// Retry-After is sent.
    case kubernetes
    /// An S3 `<Error>` document (`application/xml`); 503 is `SlowDown`, as S3 throttles.
    case s3
}
