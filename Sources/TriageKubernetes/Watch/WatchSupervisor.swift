import CoreMetrics
import Logging
import Triage

/// Lists a collection, then watches it under supervision, forever: it keeps a local cache
/// (``cache``) and never stops silently.
///
/// client-go's reflector is the floor:
/// - list, then watch from the list's resourceVersion with `allowWatchBookmarks=true`; every watch
///   resumes from the last resourceVersion seen (events and bookmarks);
/// - an ERROR event or a 410 (`Expired`, `Gone`, "too old resource version") is `watch.expired`: relist
///   from the last resourceVersion, then from the latest when that list is refused, handing out the
///   differences from the cache as ADDED/MODIFIED/DELETED (after a backoff when the last relist's
///   watch expired again before any event); "too large resource version" lists the latest;
/// - each end is judged by how long the stream lasted, how many events it carried and how it ended
///   (``WatchStateMachine``); a stall watchdog closes a silent stream (``WatchPolicy/stallTimeout(requested:bookmarksSeen:)``);
/// - failed requests back off (``WatchPolicy``), honour Retry-After, and 401/403/404 degrade instead
///   of crash-looping or stopping.
///
/// Every decision is handed out (``WatchUpdate/decision(_:)``), the retries the client's pipeline makes
/// inside a list (a 429 waited out, a reset page resent) included, after that list returns; logged at debug with `triage.kind`,
/// `triage.decision`, `triage.delay`, and given to the client pipeline's observer and telemetry as a
/// ``Triage/DecisionRecord``. Use it as an `AsyncSequence` of ``WatchUpdate``, with ``run(_:)``, or as
/// a swift-service-lifecycle `Service`.
public final class WatchSupervisor<C: Clock>: Sendable where C.Duration == Duration {
    public let client: KubernetesClient<C>
    /// `client`, also keeping the retries its pipeline makes inside a list in ``listRetries``.
    let listClient: KubernetesClient<C>
    /// The retries of the list under way, handed out as decisions when it returns.
    let listRetries = LockedValue<[DecisionRecord]>([])
    /// The collection, e.g. `/api/v1/namespaces/default/configmaps` or `/apis/apps/v1/deployments`.
    public let path: String
    public let policy: WatchPolicy
    /// The local copy of the collection, updated before each change is handed out.
    public let cache: WatchCache
    /// The clock every wait, stall and stream duration is measured on.
    public let clock: C
    let logger: Logger?
    let labelSelector: String?
    /// Called with each update when the supervisor runs as a `Service`.
    let onUpdate: (@Sendable (WatchUpdate) async throws -> Void)?
    let randomness: LockedValue<SplitMix64>
    let stats = LockedValue(WatchStatistics())
    let metrics: WatchMetrics
    /// When the last event or bookmark arrived: `at` for streams that have ended, the open stream's own
    /// record while one is open (so that reading an event takes one lock, the stream's).
    let lastEvent = LockedValue<(at: C.Instant?, openStream: StreamState?)>((nil, nil))

    /// - Parameters:
    ///   - clock: where waits and durations are measured (default: the client pipeline's clock).
    ///   - seed: seeds the jitter and `timeoutSeconds` draws (default: random).
    ///   - metricsFactory: where its metrics go (``WatchMetrics``; default: the global factory).
    ///   - onUpdate: the handler used by the `Service` conformance's `run()`.
    public init(client: KubernetesClient<C>, path: String, policy: WatchPolicy = .standard, labelSelector: String? = nil,
                clock: C? = nil, seed: UInt64? = nil, logger: Logger? = nil, metricsFactory: any MetricsFactory = MetricsSystem.factory,
                onUpdate: (@Sendable (WatchUpdate) async throws -> Void)? = nil) {
        self.client = client
        let retries = listRetries
        self.listClient = client.observing { record in
            if record.action == .retry || record.action == .refreshAndRetry { retries.withLock { $0.append(record) } }
        }
        self.path = path
        self.policy = policy
        self.labelSelector = labelSelector
        self.cache = WatchCache()
        self.clock = clock ?? client.pipeline.clock
        self.logger = logger
        self.onUpdate = onUpdate
        self.metrics = WatchMetrics(path: path, factory: metricsFactory)
        var system = SystemRandomNumberGenerator()
        self.randomness = LockedValue(SplitMix64(seed: seed ?? system.next()))
    }

    /// The counters so far.
    public var statistics: WatchStatistics { stats.withLock { $0 } }

    /// Time since the last event or bookmark arrived; `nil` before the first.
    public var lastEventAge: Duration? {
        let (ended, open) = lastEvent.withLock { ($0.at, $0.openStream) }
        return (open?.values.withLock { $0.lastEvent } ?? ended).map { $0.duration(to: clock.now) }
    }

    /// Runs until the task is cancelled (returns) or the watch cannot go on (throws the ``Triage/Failure``
    /// that made it give up); an error `handle` throws ends the run and is rethrown.
    public func run(_ handle: @escaping @Sendable (WatchUpdate) async throws -> Void) async throws {
        var machine = WatchStateMachine(policy: policy)
        var next = WatchVerdict.Next.relist(fromLatest: true)
        var resourceVersion = ""
        var attempt = 0
        let started = clock.now
        while !Task.isCancelled {
            attempt += 1
            let verdict: WatchVerdict
            switch next {
            case .giveUp:
                return
            case .relist(let fromLatest):
                let list: KubernetesObjectList
                do {
                    list = try await listClient.list(path, limit: policy.listPageSize, resourceVersion: fromLatest ? nil : resourceVersion,
                                                     labelSelector: labelSelector, logger: logger)
                } catch {
                    // The retries the client made inside the list come before its outcome.
                    try await handOutListRetries(fromLatest: fromLatest, handle)
                    if Task.isCancelled { return }
                    // A body that is not a list (a proxy's page) is a malformed response: backed off like any
                    // transient failure, not the end of the watch.
                    let failure = (error as? Triage.Failure)
                        ?? Triage.Failure(.responseMalformed, delivery: .processed, underlying: error, detail: "\(error)")
                    verdict = draw { machine.requestFailed(failure, duringList: true, listFromLatest: fromLatest, using: &$0) }
                    if verdict.next == .giveUp { try await report(verdict, attempt: attempt, since: started, handle); throw failure }
                    break
                }
                try await handOutListRetries(fromLatest: fromLatest, handle)
                let changes = cache.replace(with: list.items)
                resourceVersion = list.resourceVersion
                metrics.lists.increment()
                stats.withLock {
                    $0.lists += 1
                    $0.resourceVersion = list.resourceVersion
                    $0.degraded = false
                }
                // Outside the list's error handling: an error the consumer throws ends the run (it is not a
                // failed list to retry; the cache already holds these changes).
                for change in changes { try await handle(.change(change)) }
                try await handle(.listed(resourceVersion: list.resourceVersion, objects: list.items.count))
                next = .watch
                continue
            case .watch:
                let timeout = draw { Int.random(in: policy.timeoutSeconds, using: &$0) }
                stats.withLock { $0.watches += 1 }
                let result = await watchOnce(from: resourceVersion, timeoutSeconds: timeout, bookmarksSeen: machine.bookmarksSeen, handle)
                if Task.isCancelled { return }
                if let handlerError = result.handlerError { throw handlerError }
                if let last = result.resourceVersion { resourceVersion = last }
                stats.withLock { $0.resourceVersion = resourceVersion }
                switch result.ending {
                case .outcome(let outcome):
                    stats.withLock { $0.lastStreamDuration = outcome.lasted }
                    metrics.streamDuration.recordNanoseconds(Int64(outcome.lasted.triageSeconds * 1e9))
                    verdict = draw { machine.streamEnded(outcome, using: &$0) }
                case .failed(let failure):
                    verdict = draw { machine.requestFailed(failure, using: &$0) }
                    if verdict.next == .giveUp { try await report(verdict, attempt: attempt, since: started, handle); throw failure }
                }
            }
            try await report(verdict, attempt: attempt, since: started, handle)
            if verdict.kind == .httpUnauthorized { client.tokens?.invalidate() }
            if verdict.delay > .zero {
                do { try await clock.sleep(for: verdict.delay) } catch { return }
            }
            if verdict.next == .watch {
                stats.withLock { $0.reconnects += 1 }
                metrics.reconnects.increment()
            }
            next = verdict.next
        }
    }

    /// Hands out, as decisions, the retries the client's pipeline made inside the list just finished
    /// (429s, resets, 5xx it waited out): they are already in the pipeline's observer and telemetry.
    private func handOutListRetries(fromLatest: Bool, _ handle: @Sendable (WatchUpdate) async throws -> Void) async throws {
        let records = listRetries.withLock { records in
            defer { records.removeAll() }
            return records
        }
        for record in records {
            guard let kind = record.kind, let decision = record.decision else { continue }
            let source: WatchVerdict.DelaySource = switch record.delaySource {
            case .backoff(_, let ceiling, let random)?: .backoff(rung: record.attempt, ceiling: ceiling, random: random)
            case .retryAfter?, .breaker?: .retryAfter
            case nil: .none
            }
            let verdict = WatchVerdict(kind: kind, decision: decision, next: .relist(fromLatest: fromLatest), delay: record.delay ?? .zero,
                                       delaySource: source, reason: "the list's attempt \(record.attempt): \(record.reason)", status: record.status)
            stats.withLock { if case .backoff = source { $0.backoffs += 1 } }
            try await handle(.decision(verdict))
        }
    }

    /// Hands out a verdict and records it (counters, log, the pipeline's observer and telemetry).
    private func report(_ verdict: WatchVerdict, attempt: Int, since started: C.Instant,
                        _ handle: @Sendable (WatchUpdate) async throws -> Void) async throws {
        stats.withLock {
            if case .backoff = verdict.delaySource { $0.backoffs += 1 }
            $0.degraded = verdict.degraded
        }
        metrics.degraded.record(verdict.degraded ? 1 : 0)
        if let age = lastEventAge { metrics.lastEventAge.record(age.triageSeconds) }
        logger?.debug("watch decision", metadata: [
            "triage.kind": "\(verdict.kind.id)", "triage.decision": "\(verdict.decision)",
            "triage.delay": "\(verdict.delay.triageSeconds)", "triage.reason": "\(verdict.reason)",
            "triage.watch.path": "\(path)",
        ])
        let pipeline = client.pipeline
        if pipeline.observer != nil || pipeline.telemetry != nil {
            let record = verdict.record(attempt: attempt, elapsed: started.duration(to: clock.now))
            pipeline.observer?(record)
            pipeline.telemetry?.record(record)
        }
        try await handle(.decision(verdict))
    }

    func draw<T>(_ body: (inout SplitMix64) -> T) -> T {
        randomness.withLock { body(&$0) }
    }
}
