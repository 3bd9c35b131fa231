import Triage

extension WatchSupervisor {
    /// How one watch request went.
    struct StreamResult: Sendable {
        enum Ending: Sendable {
            /// A stream ran and ended (cleanly, cut, stalled or by an ERROR event).
            case outcome(WatchStateMachine.StreamOutcome)
            /// The request failed before a stream began.
            case failed(Triage.Failure)
        }
        var ending: Ending
        /// The last resourceVersion the stream moved to, when it carried any event.
        var resourceVersion: String?
        /// An error the consumer's handler threw.
        var handlerError: (any Error)?
    }

    /// What the reading task, the watchdog and ``lastEventAge`` share about the stream: two locks per
    /// chunk of the body (when it arrives, when its events are handled).
    final class StreamState: Sendable {
        struct Values {
            var lastActivity: C.Instant
            /// When the stream's last event arrived; `nil` before its first.
            var lastEvent: C.Instant?
            var resourceVersion: String?
            var events = 0
            var bookmarks = 0
            var handlerError: (any Error)?
            /// A chunk's events are being handed out: the stream is not silent, its consumer is slow.
            var handling = false
        }
        let values: LockedValue<Values>
        init(start: C.Instant) { values = LockedValue(Values(lastActivity: start)) }
    }

    private enum Finish: Sendable {
        case ended(WatchStreamSummary)
        case cut(Triage.Failure)
        case failed(Triage.Failure)
        case stalled(Duration)
        case cancelled
    }

    /// One watch request with its stall watchdog: the stream's events go into the cache and to
    /// `handle`; the first of the stream's end and the watchdog's verdict wins and ends the other.
    func watchOnce(from resourceVersion: String, timeoutSeconds: Int, bookmarksSeen: Bool,
                   _ handle: @escaping @Sendable (WatchUpdate) async throws -> Void) async -> StreamResult {
        let clock = self.clock
        let started = clock.now
        let state = StreamState(start: started)
        lastEvent.withLock { $0.openStream = state }
        let requested = Duration.seconds(timeoutSeconds)
        let policy = self.policy
        let cache = self.cache
        let finish: Finish = await withTaskGroup(of: Finish.self) { group in
            group.addTask { [self, client, path, labelSelector, logger] in
                do {
                    let summary = try await client.watchChunks(
                        path, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, allowBookmarks: policy.allowBookmarks,
                        labelSelector: labelSelector, logger: logger,
                        onResponse: {
                            self.stats.withLock { $0.degraded = false }
                            self.metrics.degraded.record(0)
                        }
                    ) { batch in
                        // The stream's state once per chunk: its events arrived together.
                        let now = clock.now
                        // Changes only: bookmarks are counted apart, and an ERROR event ends the stream.
                        let (bookmarks, version, count) = (batch.bookmarks, batch.resourceVersion, batch.changes)
                        state.values.withLock { values in
                            values.lastActivity = now
                            values.lastEvent = now
                            values.handling = true
                            values.events += count
                            values.bookmarks += bookmarks
                            if let version { values.resourceVersion = version }
                        }
                        cache.prepare(for: batch.events)
                        for event in batch.events {
                            guard let change = cache.apply(event) else { continue }
                            do {
                                try await handle(.change(change))
                            } catch {
                                state.values.withLock { $0.handlerError = error }
                                throw CancellationError()
                            }
                        }
                        // The watchdog measures silence from here: handling the chunk was not silence.
                        let handled = clock.now
                        state.values.withLock { values in
                            values.lastActivity = handled
                            values.handling = false
                        }
                    }
                    return .ended(summary)
                } catch let cut as WatchStreamCut {
                    return .cut(cut.failure)
                } catch let failure as Triage.Failure {
                    return .failed(failure)
                } catch {
                    return .cancelled
                }
            }
            group.addTask {
                // The watchdog: wakes when the stream would have been silent for the stall timeout,
                // and ends it when nothing came meanwhile.
                while !Task.isCancelled {
                    let (last, seen, busy) = state.values.withLock { ($0.lastActivity, $0.bookmarks > 0, $0.handling) }
                    let stall = policy.stallTimeout(requested: requested, bookmarksSeen: bookmarksSeen || seen)
                    // While a chunk is handled, look again a stall timeout from now.
                    let wake = busy ? clock.now.advanced(by: stall) : last.advanced(by: stall)
                    do { try await clock.sleep(until: wake, tolerance: nil) } catch { return .cancelled }
                    let now = clock.now
                    let (latest, handling) = state.values.withLock { ($0.lastActivity, $0.handling) }
                    if !handling, latest.duration(to: now) >= stall { return .stalled(stall) }
                }
                return .cancelled
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
        let lasted = started.duration(to: clock.now)
        let values = state.values.withLock { ($0.events, $0.bookmarks, $0.resourceVersion, $0.handlerError, $0.lastEvent) }
        lastEvent.withLock { last in
            last.openStream = nil
            if let at = values.4 { last.at = at }
        }
        func outcome(_ end: WatchStateMachine.StreamEnd) -> StreamResult.Ending {
            .outcome(WatchStateMachine.StreamOutcome(lasted: lasted, requestedTimeout: requested, events: values.0, bookmarks: values.1, end: end,
                                                     advanced: values.2.map { $0 != resourceVersion } ?? false))
        }
        let ending: StreamResult.Ending = switch finish {
        case .ended(let summary): summary.errorStatus.map { outcome(.errorEvent($0)) } ?? outcome(.clean)
        case .cut(let failure): outcome(.cut(failure))
        case .failed(let failure): .failed(failure)
        case .stalled(let after): outcome(.stalled(after: after))
        case .cancelled: outcome(.clean)
        }
        return StreamResult(ending: ending, resourceVersion: values.2, handlerError: values.3)
    }
}
