import Triage

/// How a ``WatchSupervisor`` judges streams and waits. Copy ``standard`` and adjust.
///
/// - A stream that lasts at least `normalEndFraction × timeoutSeconds` (default 0.8) ended normally,
///   cleanly or cut (`stream.ended`: reconnect at once). One that ends before that with no events, or
///   with events that left the resourceVersion where it was (a server replaying what the client saw),
///   is fail-fast (`stream.endedEarly`: back off).
/// - Backoff between failed requests: equal jitter, `t/2 + random(0, t/2)` with
///   `t = min(30 s, 800 ms × 2^(n−1))` for failure n, as client-go's reflector (800 ms × 2, cap 30 s, jittered),
///   never zero. The ladder goes back to its first rung after `backoffResetAfter` (default 2 min) of
///   healthy watching.
/// - 401, 403 and 404 are a degraded state, retried at the ladder's cap; a token file is re-read on 401.
public struct WatchPolicy: Sendable, Hashable {
    /// The backoff between failed requests (default: equal jitter from 800 ms, doubling, cap 30 s).
    public var backoff: Backoff
    /// Healthy watching (the summed length of streams that ended normally or carried events) after which
    /// the backoff ladder resets (default 120 s).
    public var backoffResetAfter: Duration
    /// The fraction of the requested timeout after which an end is normal (default 0.8).
    public var normalEndFraction: Double
    /// The range `timeoutSeconds` is drawn from for each watch request (default 180...270 s: client-go
    /// draws 5–10 min, but many proxies and load balancers cut requests at 300 s, so Triage stays below).
    public var timeoutSeconds: ClosedRange<Int>
    /// The stall timeout before the server is seen sending bookmarks: the request's timeout plus this
    /// margin (default 30 s), so a stream a load balancer dropped silently is caught too.
    public var stallMargin: Duration
    /// The stall timeout once the server has sent a bookmark (default 75 s: the API server sends one
    /// about every minute).
    public var bookmarkStallTimeout: Duration
    /// A stall timeout that overrides both of the above (`--stall-timeout`), when set (default `nil`).
    public var stallTimeout: Duration?
    /// The longest Retry-After honoured (default 600 s); longer ones wait this long.
    public var maximumRetryAfter: Duration
    /// Ask for BOOKMARK events (default `true`).
    public var allowBookmarks: Bool
    /// The page size of lists (default 500).
    public var listPageSize: Int

    public init(
        backoff: Backoff = WatchPolicy.clientGoBackoff,
        backoffResetAfter: Duration = .seconds(120),
        normalEndFraction: Double = 0.8,
        timeoutSeconds: ClosedRange<Int> = 180...270,
        stallMargin: Duration = .seconds(30),
        bookmarkStallTimeout: Duration = .seconds(75),
        stallTimeout: Duration? = nil,
        maximumRetryAfter: Duration = .seconds(600),
        allowBookmarks: Bool = true,
        listPageSize: Int = 500
    ) {
        self.backoff = backoff
        self.backoffResetAfter = backoffResetAfter
        self.normalEndFraction = normalEndFraction
        self.timeoutSeconds = timeoutSeconds
        self.stallMargin = stallMargin
        self.bookmarkStallTimeout = bookmarkStallTimeout
        self.stallTimeout = stallTimeout
        self.maximumRetryAfter = maximumRetryAfter
        self.allowBookmarks = allowBookmarks
        self.listPageSize = listPageSize
    }

    /// The defaults above.
    public static var standard: WatchPolicy { WatchPolicy() }

    /// Equal jitter from 800 ms, doubling, capped at 30 s.
    public static let clientGoBackoff = Backoff(.equalJitter, base: .milliseconds(800), cap: .seconds(30))

    /// The stall timeout for a stream that asked for `timeout`, given whether bookmarks have been seen.
    public func stallTimeout(requested timeout: Duration, bookmarksSeen: Bool) -> Duration {
        if let stallTimeout { return stallTimeout }
        return bookmarksSeen ? min(bookmarkStallTimeout, timeout + stallMargin) : timeout + stallMargin
    }
}
