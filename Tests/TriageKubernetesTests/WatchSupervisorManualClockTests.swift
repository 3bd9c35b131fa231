import Foundation
import MetricsTestKit
import Testing
import Triage
import TriageChaos
import TriageKubernetes
import TriageTestKit

/// The supervisor's waits (backoff, Retry-After, the stall watchdog) on a manual clock.
@Suite struct WatchSupervisorManualClockTests {
    static func policy() -> WatchPolicy {
        var policy = WatchPolicy.standard
        policy.timeoutSeconds = 180...180
        return policy
    }

    /// Waits for the `count`th verdict, then moves the clock past its delay.
    func verdict(_ count: Int, _ recorder: UpdateRecorder, _ clock: ManualClock) async throws -> WatchVerdict {
        #expect(await eventually { recorder.verdicts.count >= count })
        let verdict = try #require(recorder.verdicts.dropFirst(count - 1).first)
        if verdict.delay > .zero {
            #expect(await eventually { clock.sleeperCount >= 1 })
            clock.advance(by: verdict.delay)
        }
        return verdict
    }

    @Test func failFastEndsBackOffAndTheLadderResetsAfterHealthyWatching() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.injectWatchFaults([.instantClose, .instantClose, .instantClose])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(), seed: 3)
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                var ceilings: [Duration] = []
                for index in 1...3 {
                    let verdict = try await verdict(index, recorder, clock)
                    #expect(verdict.kind == .streamEndedEarly)
                    if case .backoff(let rung, let ceiling, _) = verdict.delaySource {
                        #expect(rung == index)
                        ceilings.append(ceiling)
                    }
                }
                #expect(ceilings == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200)])
                // A healthy stream of 200 s (watchdog at 210 s), then the server's timeout.
                #expect(await eventually { server.openWatches == 1 })
                clock.advance(by: .seconds(200))
                server.injectWatchFaults([.instantClose])
                server.endWatches()
                let healthy = try await verdict(4, recorder, clock)
                #expect(healthy.kind == .streamEnded)
                let after = try await verdict(5, recorder, clock)
                #expect(after.kind == .streamEndedEarly)
                #expect(after.delaySource == .backoff(rung: 1, ceiling: .milliseconds(800), random: after.delaySource.random))
            }
            #expect(supervisor.statistics.lists == 1)
        }
    }

    /// A server that replays an event the client has seen and closes: the stream carries an event, but
    /// the resourceVersion stays where it was, so it is fail-fast and backs off. It was "progress made,
    /// resume at once": a reconnect loop as fast as the server answered.
    @Test func aStreamThatOnlyReplaysAnEventBacksOff() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.create(in: FakeCluster.configmaps, name: "a")
            server.injectWatchFaults([.replay, .replay])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(), seed: 3)
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                for index in 1...2 {
                    let verdict = try await verdict(index, recorder, clock)
                    #expect(verdict.kind == .streamEndedEarly, "\(verdict.reason)")
                    #expect(verdict.delaySource == .backoff(rung: index, ceiling: .milliseconds(800 << (index - 1)), random: verdict.delaySource.random))
                    #expect(verdict.reason.contains("left the resourceVersion where it was"), "\(verdict.reason)")
                }
                #expect(await eventually { FakeCluster.watchRequests(server).count == 3 })
            }
            #expect(supervisor.statistics.lists == 1)
        }
    }

    /// Bookmarks keep an idle stream alive: after each one the clock moves 1.5 s, under the 2 s
    /// watchdog, so only the bookmarks can keep it from stalling; the server ends each stream at its
    /// 4 s timeout (real time), and no stream stalls or relists across three of them.
    @Test func bookmarkOnlyIdleStreamNeverRelistsOrStalls() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock, bookmarkInterval: .milliseconds(200)) { server, client in
            server.create(in: FakeCluster.configmaps, name: "idle")
            var policy = WatchPolicy.standard
            policy.timeoutSeconds = 4...4
            policy.stallTimeout = .seconds(2)
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: policy)
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                var advances = 0
                while supervisor.statistics.watches < 4, advances < 400 {
                    // A bookmark just arrived (the last event is now), then 1.5 s pass.
                    guard await eventually(30, { supervisor.lastEventAge == .zero }) else { break }
                    clock.advance(by: .milliseconds(1500))
                    advances += 1
                }
                #expect(supervisor.statistics.watches >= 4, "three streams ended and were resumed")
            }
            #expect(supervisor.statistics.lists == 1)
            #expect(!recorder.verdicts.isEmpty)
            #expect(recorder.verdicts.allSatisfy { $0.kind == .streamEnded }, "\(recorder.verdicts.map(\.description))")
        }
    }

    @Test func stallIsDetectedWhenTheWatchdogExpires() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.injectWatchFaults([.stall])
            var policy = Self.policy()
            policy.stallTimeout = .seconds(5)
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: policy)
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { FakeCluster.watchRequests(server).count == 1 && clock.sleeperCount >= 1 })
                clock.advance(by: .seconds(4))
                try await Task.sleep(for: .milliseconds(100))
                #expect(recorder.verdicts.isEmpty)
                clock.advance(by: .seconds(1))
                #expect(await eventually { !recorder.verdicts.isEmpty })
                #expect(recorder.verdicts.first?.kind == .streamStalled)
                #expect(await eventually { FakeCluster.watchRequests(server).count == 2 })
            }
        }
    }

    /// A consumer that takes longer than the stall timeout over a change is slow, not a silent stream:
    /// the watchdog waits while a chunk's events are handed out, and measures silence from their end.
    /// (On a manual clock: in real time, with a 1 s watchdog, a loaded machine made it flaky.)
    @Test func aSlowConsumerIsNotAStalledStream() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            var policy = Self.policy()
            policy.stallTimeout = .seconds(5)
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: policy)
            let recorder = UpdateRecorder()
            let gate = AsyncGate()
            let progress = LockedValue((started: false, finished: false))
            let task = Task {
                try await supervisor.run { update in
                    if case .change(let change) = update, change.object.name == "slow" {
                        progress.withLock { $0.started = true }
                        await gate.wait()
                        progress.withLock { $0.finished = true }
                    }
                    recorder.append(update)
                }
            }
            defer { task.cancel() }
            #expect(await eventually { server.openWatches == 1 && clock.sleeperCount == 1 })
            server.create(in: FakeCluster.configmaps, name: "slow")
            #expect(await eventually { progress.withLock { $0.started } })
            // Three stall timeouts pass while the consumer holds the change.
            clock.advance(by: .seconds(15))
            #expect(await eventually { clock.sleeperCount == 1 }, "the watchdog did not look again")
            gate.open()
            #expect(await eventually { progress.withLock { $0.finished } })
            try await Task.sleep(for: .milliseconds(100))
            #expect(recorder.verdicts.isEmpty, "\(recorder.verdicts.map(\.description))")
            // Silence counts from the end of the handling: a stall 5 s after it, not before.
            clock.advance(by: .seconds(4))
            try await Task.sleep(for: .milliseconds(100))
            #expect(recorder.verdicts.isEmpty, "\(recorder.verdicts.map(\.description))")
            clock.advance(by: .seconds(1))
            #expect(await eventually { !recorder.verdicts.isEmpty })
            #expect(recorder.verdicts.first?.kind == .streamStalled)
            task.cancel()
            _ = await task.result
        }
    }

    @Test func throttledWatchWaitsAtLeastRetryAfter() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.injectWatchFaults([.throttle(retryAfterSeconds: 3)])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy())
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { !recorder.verdicts.isEmpty && clock.sleeperCount >= 1 })
                let verdict = try #require(recorder.verdicts.first)
                #expect(verdict.kind == .httpThrottled)
                #expect(verdict.decision == .retryAfter)
                #expect(verdict.delay >= .seconds(3))
                clock.advance(by: .milliseconds(2900))
                try await Task.sleep(for: .milliseconds(100))
                #expect(FakeCluster.watchRequests(server).count == 1)
                clock.advance(by: verdict.delay - .milliseconds(2900))
                #expect(await eventually { FakeCluster.watchRequests(server).count == 2 })
            }
        }
    }

    /// A 429 the client waits out inside the list is handed out as a decision too (kube-cli.md: a
    /// decision line for each failed request), before the list's changes.
    @Test func aThrottledListIsHandedOutAsADecisionBeforeItsChanges() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock, retry: .standard) { server, client in
            server.create(in: FakeCluster.configmaps, name: "a")
            server.injectListFaults([.throttle(retryAfterSeconds: 2)])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy())
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { clock.sleeperCount >= 1 })
                #expect(recorder.all.isEmpty, "nothing is handed out while the list waits")
                clock.advance(by: .seconds(3))
                #expect(await eventually { recorder.changes.count == 1 })
            }
            let verdict = try #require(recorder.verdicts.first)
            #expect(verdict.kind == .httpThrottled)
            #expect(verdict.decision == .retryAfter)
            #expect(verdict.delay >= .seconds(2) && verdict.delay <= .seconds(3), "Retry-After, plus the pipeline's jitter")
            #expect(verdict.delaySource == .retryAfter)
            #expect(verdict.next == .relist(fromLatest: true))
            #expect(verdict.status == 429)
            #expect(verdict.reason.contains("list"))
            guard case .decision = recorder.all.first else { Issue.record("the decision comes first: \(recorder.all)"); return }
            #expect(supervisor.statistics.lists == 1)
        }
    }

    @Test func internalErrorEventRewatchesFromTheSameVersionWithoutRelist() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.create(in: FakeCluster.configmaps, name: "a")
            server.injectWatchFaults([.errorEvent(code: 500)])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy())
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                let verdict = try await verdict(1, recorder, clock)
                #expect(verdict.kind == .httpServerError)
                #expect(verdict.next == .watch)
                #expect(await eventually { FakeCluster.watchRequests(server).count == 2 })
            }
            let versions = FakeCluster.watchRequests(server).map { $0.split(separator: "&").first { $0.hasPrefix("resourceVersion=") } }
            #expect(versions[0] == versions[1])
            #expect(supervisor.statistics.lists == 1)
        }
    }

    @Test func unauthorizedIsDegradedAndRetriedAtTheCap() async throws {
        let clock = ManualClock()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.injectWatchFaults([.unauthorized, .forbidden])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy())
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { !recorder.verdicts.isEmpty })
                #expect(supervisor.statistics.degraded)
                let first = try await verdict(1, recorder, clock)
                let second = try await verdict(2, recorder, clock)
                for verdict in [first, second] {
                    #expect(verdict.degraded)
                    #expect(verdict.delay >= .seconds(15) && verdict.delay <= .seconds(30))
                }
                // Degraded until a watch is answered again.
                #expect(await eventually { server.openWatches == 1 && !supervisor.statistics.degraded })
            }
        }
    }

    @Test func metricsCountListsReconnectsStreamsAndDegradation() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        try await FakeCluster.withManualClient(clock) { server, client in
            server.injectWatchFaults([.unauthorized])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(), metricsFactory: metrics)
            let recorder = UpdateRecorder()
            let path = [("path", FakeCluster.configmaps)]
            try await running(supervisor, into: recorder) {
                #expect(await eventually { !recorder.verdicts.isEmpty })
                #expect(try metrics.expectGauge("triage_watch_degraded", path).lastValue == 1)
                _ = try await verdict(1, recorder, clock)
                #expect(await eventually { server.openWatches == 1 && !supervisor.statistics.degraded })
                #expect(try metrics.expectGauge("triage_watch_degraded", path).lastValue == 0)
                server.create(in: FakeCluster.configmaps, name: "a")
                #expect(await eventually { supervisor.lastEventAge != nil })
                clock.advance(by: .seconds(2))
                #expect(supervisor.lastEventAge == .seconds(2))
                server.endWatches()
                #expect(await eventually { recorder.verdicts.count == 2 })
            }
            #expect(try metrics.expectCounter("triage_watch_lists_total", path).totalValue == 1)
            #expect(try metrics.expectCounter("triage_watch_reconnects_total", path).totalValue == 2)
            #expect(try metrics.expectTimer("triage_watch_stream_duration", path).lastValue == 2_000_000_000)
            #expect(try metrics.expectGauge("triage_watch_last_event_age_seconds", path).lastValue == 2)
        }
    }
}
