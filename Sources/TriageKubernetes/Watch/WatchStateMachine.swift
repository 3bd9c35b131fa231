import Triage

/// The watch supervisor's rules as a pure value: stream outcomes and request failures in, verdicts out.
/// It holds the backoff ladder and what it has learnt of the server (does it send bookmarks?).
///
/// ``WatchSupervisor`` drives it; tests drive it with made-up outcomes.
public struct WatchStateMachine: Sendable {
    /// How one watch stream ended.
    public enum StreamEnd: Sendable {
        /// The server ended it (the terminal chunk arrived).
        case clean
        /// A transport failure cut it (reset, missing terminal chunk, connection closed).
        case cut(Triage.Failure)
        /// The watchdog saw no event or bookmark for the stall timeout and closed it.
        case stalled(after: Duration)
        /// An ERROR event ended it.
        case errorEvent(KubernetesStatus)
    }

    /// One stream: how long it lasted (request sent to end), what it carried, how it ended.
    public struct StreamOutcome: Sendable {
        public var lasted: Duration
        public var requestedTimeout: Duration
        /// ADDED, MODIFIED and DELETED events (bookmarks are counted in ``bookmarks``, an ERROR event is the ``end``).
        public var events: Int
        public var bookmarks: Int
        public var end: StreamEnd
        /// Whether the stream moved the resourceVersion the next watch resumes from (default `true`).
        /// Events that leave it where it was are a server replaying what it sent before: no progress, so
        /// a stream that replays and ends early backs off like one with no events.
        public var advanced: Bool

        public init(lasted: Duration, requestedTimeout: Duration, events: Int, bookmarks: Int = 0, end: StreamEnd, advanced: Bool = true) {
            self.lasted = lasted
            self.requestedTimeout = requestedTimeout
            self.events = events
            self.bookmarks = bookmarks
            self.end = end
            self.advanced = advanced
        }

        /// Changes came and the resume point moved.
        var madeProgress: Bool { events > 0 && advanced }
    }

    public let policy: WatchPolicy
    /// Failed requests since the ladder last reset (the next backoff uses rung `failures + 1`).
    public private(set) var failures = 0
    /// Healthy watching since the last failure.
    public private(set) var healthy: Duration = .zero
    /// The server has been seen sending a bookmark.
    public private(set) var bookmarksSeen = false
    /// An expiry was answered with a relist and no event has come since: the next expiry backs off
    /// before relisting (as client-go's reflector backs off between list-and-watch rounds), so a server
    /// that expires every watch at once is not listed in a tight loop.
    public private(set) var expiredWithoutProgress = false

    public init(policy: WatchPolicy = .standard) {
        self.policy = policy
    }

    /// The stall timeout for a stream that asks for `timeout`.
    public func stallTimeout(requested timeout: Duration) -> Duration {
        policy.stallTimeout(requested: timeout, bookmarksSeen: bookmarksSeen)
    }

    /// Judges a stream by how long it lasted, how many events came and how it ended, together.
    public mutating func streamEnded(_ outcome: StreamOutcome, using random: inout some RandomNumberGenerator) -> WatchVerdict {
        if outcome.bookmarks > 0 { bookmarksSeen = true }
        if outcome.madeProgress { expiredWithoutProgress = false }
        let normal = outcome.lasted.triageSeconds >= outcome.requestedTimeout.triageSeconds * policy.normalEndFraction
        let lasted = "\(Self.seconds(outcome.lasted)) s of \(Self.seconds(outcome.requestedTimeout)) s"
        switch outcome.end {
        case .errorEvent(let status):
            return errorEvent(status, using: &random)
        case .stalled(let after):
            if outcome.events > 0 { markHealthy(outcome.lasted) } else { healthy = .zero }
            return WatchVerdict(kind: .streamStalled, decision: .reconnect, next: .watch,
                                reason: "no event or bookmark for \(Self.seconds(after)) s after \(outcome.events) events: reconnect at once")
        case .clean, .cut:
            let cutKind: FailureKind? = if case .cut(let failure) = outcome.end { failure.kind } else { nil }
            let how = cutKind.map { "cut (\($0.id))" } ?? "ended cleanly"
            if normal {
                markHealthy(outcome.lasted)
                return WatchVerdict(kind: .streamEnded, decision: .reconnect, next: .watch,
                                    reason: "\(how) after \(lasted), \(outcome.events) events: the server's timeout, resume at once")
            }
            if outcome.madeProgress {
                markHealthy(outcome.lasted)
                return WatchVerdict(kind: cutKind ?? .streamEnded, decision: cutKind == nil ? .reconnect : .retry, next: .watch,
                                    reason: "\(how) after \(lasted) with \(outcome.events) events: progress made, resume at once")
            }
            var verdict = backingOff(kind: .streamEndedEarly, decision: .retry, next: .watch, using: &random)
            let carried = outcome.events == 0 ? "no events" : "\(outcome.events) events that left the resourceVersion where it was"
            verdict.reason = "\(how) after \(lasted) with \(carried): fail-fast, back off"
            return verdict
        }
    }

    /// Judges a request that failed before a stream began (`duringList`: a list, else a watch).
    /// `listFromLatest`: the failed list already asked for the latest (`resourceVersion=""`).
    public mutating func requestFailed(_ failure: Triage.Failure, duringList: Bool = false, listFromLatest: Bool = true,
                                       using random: inout some RandomNumberGenerator) -> WatchVerdict {
        let retryNext: WatchVerdict.Next = duringList ? .relist(fromLatest: listFromLatest) : .watch
        if failure.kind == .watchExpired {
            if duringList && !listFromLatest {
                return WatchVerdict(kind: .watchExpired, decision: .relist, next: .relist(fromLatest: true), reason:
                    "the list at the last resourceVersion was refused (\(failure.status ?? 410)): list the latest (resourceVersion=\"\")", status: failure.status)
            }
            if !duringList {
                return expired(reason: "the resume point is too old (\(failure.status ?? 410) \(failure.api?.reason ?? "Gone")): relist",
                               status: failure.status, using: &random)
            }
        }
        healthy = .zero
        if let named = failure.retryAfter, failure.decision == .retryAfter || failure.kind == .httpThrottled {
            failures += 1
            let delay = min(named, policy.maximumRetryAfter)
            // An open breaker names its own remaining time: that wait is local, not the server's.
            let who = failure.kind == .circuitOpen ? "the circuit breaker is open for" : "the server asked to wait"
            return WatchVerdict(kind: failure.kind, decision: .retryAfter, next: retryNext, delay: delay, delaySource: .retryAfter,
                                reason: "\(who) \(Self.seconds(named)) s", status: failure.status)
        }
        if failure.kind == .httpUnauthorized || failure.kind == .httpForbidden || failure.kind == .httpNotFound {
            failures += 1
            let draw = policy.backoff.delay(retry: 1000, previous: nil, using: &random)
            return WatchVerdict(kind: failure.kind, decision: .retry, next: retryNext, delay: draw.delay,
                                delaySource: .backoff(rung: failures, ceiling: draw.ceiling, random: draw.random),
                                reason: "degraded: \(failure.kind.summary); retried at the capped backoff"
                                    + (failure.kind == .httpUnauthorized ? ", token re-read" : ""),
                                degraded: true, status: failure.status)
        }
        guard failure.decision.isRetryable || failure.decision == .reconnect || failure.kind == .httpGatewayTimeout else {
            return WatchVerdict(kind: failure.kind, decision: failure.decision, next: .giveUp,
                                reason: "\(failure.kind.summary): \(failure.decision), the watch cannot go on", status: failure.status)
        }
        var verdict = backingOff(kind: failure.kind, decision: .retry, next: retryNext, using: &random)
        verdict.status = failure.status
        verdict.reason = "\(failure.kind.summary)" + (failure.detail.isEmpty ? "" : " (\(failure.detail))") + ": back off"
        return verdict
    }

    private mutating func errorEvent(_ status: KubernetesStatus, using random: inout some RandomNumberGenerator) -> WatchVerdict {
        let code = status.code ?? 0
        let kind = status.failureKind(responseStatus: code, isWatch: true)
        if kind == .watchExpired {
            return expired(reason: "ERROR event \(code) \(status.reason ?? ""): the resume point was compacted, relist", status: code, using: &random)
        }
        if Self.isTooLargeResourceVersion(status) {
            var verdict = backingOff(kind: kind, decision: .relist, next: .relist(fromLatest: true), using: &random)
            verdict.reason = "ERROR event \(code): too large resource version (the server is behind): list the latest after a backoff"
            verdict.status = code
            return verdict
        }
        healthy = .zero
        if let named = status.suggestsClientDelay, named > .zero {
            failures += 1
            return WatchVerdict(kind: kind, decision: .retryAfter, next: .watch, delay: min(named, policy.maximumRetryAfter),
                                delaySource: .retryAfter, reason: "ERROR event \(code) asks to wait \(Self.seconds(named)) s: watch again, no relist", status: code)
        }
        var verdict = backingOff(kind: kind, decision: .retry, next: .watch, using: &random)
        verdict.reason = "ERROR event \(code) \(status.reason ?? ""): watch again from the last resourceVersion, no relist"
        verdict.status = code
        return verdict
    }

    /// An expiry: relist at once, or after a backoff when the last expiry's relist brought no event
    /// before this one (``expiredWithoutProgress``).
    private mutating func expired(reason: String, status: Int?, using random: inout some RandomNumberGenerator) -> WatchVerdict {
        defer { expiredWithoutProgress = true }
        guard expiredWithoutProgress else {
            return WatchVerdict(kind: .watchExpired, decision: .relist, next: .relist(fromLatest: false), reason: reason, status: status)
        }
        var verdict = backingOff(kind: .watchExpired, decision: .relist, next: .relist(fromLatest: false), using: &random)
        verdict.reason = reason + " after a backoff: the last relist's watch expired again before any event"
        verdict.status = status
        return verdict
    }

    /// apimachinery's `IsTooLargeResourceVersion`: a cause `ResourceVersionTooLarge`, or the message.
    static func isTooLargeResourceVersion(_ status: KubernetesStatus) -> Bool {
        if status.details?.causes?.contains(where: { $0.reason == "ResourceVersionTooLarge" }) == true { return true }
        return status.message?.lowercased().contains("too large resource version") == true
    }

    private mutating func markHealthy(_ lasted: Duration) {
        healthy += lasted
        if healthy >= policy.backoffResetAfter { failures = 0 }
    }

    private mutating func backingOff(kind: FailureKind, decision: Decision, next: WatchVerdict.Next,
                                     using random: inout some RandomNumberGenerator) -> WatchVerdict {
        healthy = .zero
        failures += 1
        let draw = policy.backoff.delay(retry: failures, previous: nil, using: &random)
        return WatchVerdict(kind: kind, decision: decision, next: next, delay: draw.delay,
                            delaySource: .backoff(rung: failures, ceiling: draw.ceiling, random: draw.random), reason: "")
    }

    static func seconds(_ duration: Duration) -> String {
        let value = (duration.triageSeconds * 100).rounded() / 100
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
