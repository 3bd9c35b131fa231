/// What a ``WatchSupervisor`` hands out, in order.
public enum WatchUpdate: Sendable {
    /// A change applied to the cache (from a watch event, or from comparing a fresh list with the cache).
    case change(WatchChange)
    /// A decision after a stream ended or a request failed.
    case decision(WatchVerdict)
    /// A list completed: the cache equals the server's collection at `resourceVersion`.
    case listed(resourceVersion: String, objects: Int)
}

/// Counters of one supervisor, for logs, metrics and the CLI's final state.
public struct WatchStatistics: Sendable, Hashable {
    /// Lists completed (the first one included).
    public var lists = 0
    /// Watch requests sent.
    public var watches = 0
    /// Lists after the first (after an expiry or a refused resume).
    public var relists: Int { max(0, lists - 1) }
    /// Watches started again after a stream ended or a watch request failed.
    public var reconnects = 0
    /// Decisions that backed off.
    public var backoffs = 0
    /// The resourceVersion the cache is at.
    public var resourceVersion = ""
    /// How long the last stream lasted.
    public var lastStreamDuration: Duration?
    /// The supervisor is degraded (401, 403, 404 on its last request).
    public var degraded = false

    public init() {}
}
