/// What a ``ChaosProxy`` does to the bytes it relays, in the manner of Toxiproxy's toxics.
/// The default relays everything untouched.
public struct ProxyToxics: Sendable, Hashable {
    /// Added to every chunk, in both directions, in milliseconds (0…600000). Default 0.
    public var latencyMilliseconds = 0
    /// Reset the client's connection (RST) as soon as it sends its first bytes: clients see
    /// `connection.reset`. Default `false`.
    public var reset = false
    /// Swallow every byte in both directions and keep the connections open: clients see a read
    /// timeout. Default `false`.
    public var blackhole = false
    /// Split data from upstream into pieces of at most this many bytes; `nil` (default) does not.
    public var sliceBytes: Int?
    /// The pause between slices, in milliseconds. Default 0.
    public var sliceDelayMilliseconds = 0
    /// Close both connections once this many bytes came from upstream (the rest is dropped); a cut
    /// inside a response body gives `response.incomplete`. `nil` (default) never closes.
    public var closeAfterBytes: Int?
    /// The fraction of connections (0…1) the toxics apply to; the others are relayed untouched. Default 1.
    public var rate = 1.0
    /// Seeds the choice of affected connections; `nil` (default) seeds from the system.
    public var seed: UInt64?

    /// No toxics: a plain relay.
    public init() {}

    /// Checks every range.
    /// - Throws: ``ChaosScenarioError`` with code `outOfRange`.
    public func validated() throws(ChaosScenarioError) -> ProxyToxics {
        func require(_ condition: Bool, _ message: String) throws(ChaosScenarioError) {
            if !condition { throw ChaosScenarioError(.outOfRange, message) }
        }
        try require((0...600_000).contains(latencyMilliseconds), "latency must be within 0…600000 ms (got \(latencyMilliseconds))")
        try require((0...600_000).contains(sliceDelayMilliseconds), "slice delay must be within 0…600000 ms (got \(sliceDelayMilliseconds))")
        try require(sliceBytes.map { $0 >= 1 } ?? true, "slice size must be at least 1 byte")
        try require(closeAfterBytes.map { $0 >= 0 } ?? true, "close-after bytes must not be negative")
        try require((0...1).contains(rate), "rate must be within 0…1 (got \(rate))")
        try require(!(reset && blackhole), "reset and blackhole cannot be combined")
        return self
    }
}
