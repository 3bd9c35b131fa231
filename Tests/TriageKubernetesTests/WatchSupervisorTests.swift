import Foundation
import Testing
import Triage
import TriageChaos
import TriageKubernetes

/// The watch supervisor against the fake API server, in real time with short server timeouts.
@Suite struct WatchSupervisorTests {
    static func policy(timeout: Int, stall: Duration? = nil) -> WatchPolicy {
        var policy = WatchPolicy.standard
        policy.timeoutSeconds = timeout...timeout
        policy.stallTimeout = stall
        return policy
    }

    @Test func resumesAcrossTenServerTimeoutsWithoutARelist() async throws {
        try await FakeCluster.with { server, client, _ in
            server.create(in: FakeCluster.configmaps, name: "seed")
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(timeout: 1))
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                var written = 0
                #expect(await eventually(40) {
                    // A write now and then, so resumes carry real resourceVersions.
                    if supervisor.statistics.watches > written, written < 12 {
                        written += 1
                        server.create(in: FakeCluster.configmaps, name: "cm-\(written)")
                    }
                    return supervisor.statistics.watches >= 11
                })
                #expect(await eventually { FakeCluster.cacheState(supervisor.cache) == FakeCluster.serverState(server) })
            }
            let ends = recorder.verdicts.filter { $0.kind == .streamEnded }
            #expect(ends.count >= 10)
            #expect(recorder.verdicts.allSatisfy { $0.kind == .streamEnded && $0.delay == .zero })
            #expect(supervisor.statistics.lists == 1)
            #expect(!server.requests.contains { $0.contains("watch=true") && !$0.contains("resourceVersion=") })
            #expect(FakeCluster.watchRequests(server).allSatisfy { $0.contains("allowWatchBookmarks=true") && $0.contains("timeoutSeconds=1") })
        }
    }

    /// Many events per chunk (the flood writes 64 a batch): each change is in the cache when it is handed
    /// out, however the supervisor batches its bookkeeping.
    @Test func eachChangeIsInTheCacheWhenItIsHandedOut() async throws {
        struct Done: Error {}
        try await FakeCluster.with { server, client, _ in
            let path = "/api/v1/namespaces/flood/configmaps"
            server.injectWatchFaults([.flood(count: 500, padding: 50)], in: path)
            let supervisor = WatchSupervisor(client: client, path: path, policy: Self.policy(timeout: 60))
            let seen = LockedValue((changes: 0, missing: [String]()))
            do {
                try await supervisor.run { update in
                    guard case .change(let change) = update else { return }
                    let cached = supervisor.cache.object(forKey: change.object.key)
                    let done = seen.withLock { seen in
                        seen.changes += 1
                        if cached != change.object { seen.missing.append(change.object.key) }
                        return seen.changes == 500
                    }
                    if done { throw Done() }
                }
            } catch is Done {}
            let (changes, missing) = seen.withLock { ($0.changes, $0.missing) }
            #expect(changes == 500)
            #expect(missing.isEmpty, "not in the cache when handed out: \(missing.prefix(5))")
            #expect(supervisor.cache.count == 500)
        }
    }

    @Test func compactionGivesExactlyOneRelistAndTheCacheEqualsTheServer() async throws {
        try await FakeCluster.with { server, client, _ in
            for index in 0..<5 { server.create(in: FakeCluster.configmaps, name: "cm-\(index)") }
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(timeout: 60))
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { server.openWatches == 1 })
                let before = recorder.changes.count
                server.compact {
                    server.create(in: FakeCluster.configmaps, name: "new-1")
                    server.create(in: FakeCluster.configmaps, name: "new-2")
                    server.create(in: FakeCluster.configmaps, name: "cm-0", data: ["changed": "yes"])
                    server.delete(in: FakeCluster.configmaps, name: "cm-4")
                }
                #expect(await eventually { supervisor.statistics.lists == 2 && server.openWatches == 1 })
                let fromRelist = recorder.changes.dropFirst(before)
                #expect(fromRelist.allSatisfy { $0.fromList })
                #expect(fromRelist.map { "\($0.type.rawValue) \($0.object.name)" }.sorted()
                        == ["ADDED new-1", "ADDED new-2", "DELETED cm-4", "MODIFIED cm-0"])
            }
            #expect(supervisor.statistics.lists == 2)
            #expect(recorder.verdicts.first?.kind == .watchExpired)
            #expect(FakeCluster.cacheState(supervisor.cache) == FakeCluster.serverState(server))
            #expect(recorder.replayed == FakeCluster.serverState(server))
        }
    }

    /// Cuts at 0.9 and 0.1 of a 4 s timeout (2 s, as before, left the early cut too little margin on a
    /// loaded machine: judged as a normal end in one full run).
    @Test(arguments: [(3.6, true), (0.4, false)])
    func midStreamCutIsJudgedByHowLongTheStreamLasted(cutAfter: Double, normal: Bool) async throws {
        try await FakeCluster.with(bookmarkInterval: nil) { server, client, _ in
            server.injectWatchFaults([.cutWithoutTerminalChunk(afterSeconds: cutAfter)])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(timeout: 4))
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { !recorder.verdicts.isEmpty })
            }
            let verdict = try #require(recorder.verdicts.first)
            if normal {
                #expect(verdict.kind == .streamEnded)
                #expect(verdict.delay == .zero)
            } else {
                #expect(verdict.kind == .streamEndedEarly)
                #expect(verdict.delay > .zero)
            }
        }
    }

    @Test func resetMidStreamEarlyBacksOff() async throws {
        try await FakeCluster.with(bookmarkInterval: nil) { server, client, _ in
            server.injectWatchFaults([.resetMidStream(afterSeconds: 0.2)])
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(timeout: 10))
            let recorder = UpdateRecorder()
            try await running(supervisor, into: recorder) {
                #expect(await eventually { !recorder.verdicts.isEmpty })
            }
            #expect(recorder.verdicts.first?.kind == .streamEndedEarly)
        }
    }

    @Test func asyncSequenceHandsOutTheListThenEvents() async throws {
        try await FakeCluster.with { server, client, _ in
            server.create(in: FakeCluster.configmaps, name: "a")
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps, policy: Self.policy(timeout: 30))
            var seen: [String] = []
            for try await update in supervisor {
                switch update {
                case .change(let change): seen.append("\(change.type.rawValue) \(change.object.name)")
                case .listed: server.create(in: FakeCluster.configmaps, name: "b")
                case .decision: break
                }
                if seen.count == 2 { break }
            }
            #expect(seen == ["ADDED a", "ADDED b"])
        }
    }
}
