/// The shape of a workload run by ``LoadDriver``: `requests` GETs in all, each through the policy
/// under test, either by a closed loop of `concurrency` workers (``rate`` `nil`, the default) or
/// paced at ``rate`` per second whatever the outcomes (open loop, at most `concurrency` in flight).
public struct LoadOptions: Sendable, Hashable {
    /// Requests in all. Default 200.
    public var requests = 200
    /// Requests in flight at once (workers; with a ``rate``, the cap). Default 8.
    public var concurrency = 8
    /// Requests issued per second (open loop); `nil` (default) is a closed loop.
    public var rate: Double?
    /// No new request is issued after this long; those in flight finish. Default 10 s.
    public var maximumDuration: Duration = .seconds(10)
    /// The client's connect timeout. Default 1 s.
    public var connectTimeout: Duration = .seconds(1)
    /// The client's read timeout, per attempt. Default 2 s.
    public var readTimeout: Duration = .seconds(2)
    /// The overall deadline of one request through the standard pipeline (its preset is 30 s; an
    /// interactive caller sets its own). Default 2 s.
    public var deadline: Duration = .seconds(2)

    /// Defaults: 200 requests, 8 in flight, closed loop, 10 s of issuing at most.
    public init(requests: Int = 200, concurrency: Int = 8, rate: Double? = nil, maximumDuration: Duration = .seconds(10)) {
        self.requests = requests
        self.rate = rate
        self.concurrency = concurrency
        self.maximumDuration = maximumDuration
    }
}
