import Foundation
import Triage
import TriageChaos
import TriageKubernetes

extension DemoCommand {
    /// A few seconds on loopback: a watch of a fake Kubernetes API server survives a compaction (one
    /// relist, the differences handed out) and a stalled stream (the watchdog reconnects), and its
    /// cache ends equal to the server's.
    func runKubernetesDemo() async throws {
        print("\nKubernetes watch: a fake API server on 127.0.0.1 (HTTPS, CA made now), watched by WatchSupervisor.")
        let server = try await FakeKubernetesServer.start(bookmarkInterval: nil)
        let collection = "/api/v1/namespaces/demo/configmaps"
        for index in 0..<20 { server.create(in: collection, name: String(format: "cm-%02d", index)) }
        let configuration = KubernetesConfiguration(server: server.url, certificateAuthorityPEM: Array(server.certificates.ca.certificatePEM.utf8),
                                                    credentials: .init(bearer: .token("triage-test-token")))
        var policy = WatchPolicy.standard
        // Short server timeouts, so that the stalled stream comes within a second or two.
        policy.timeoutSeconds = 1...1
        policy.stallTimeout = .milliseconds(1500)
        let started = ContinuousClock.now
        try await KubernetesClient.withClient(configuration: configuration) { client in
            let supervisor = WatchSupervisor(client: client, path: collection, policy: policy)
            let verdicts = DemoVerdicts()
            let task = Task { try await supervisor.run { update in if case .decision(let verdict) = update { verdicts.append(verdict) } } }
            defer { task.cancel() }
            try await Self.until { server.openWatches == 1 }
            print("  listed \(supervisor.cache.count) objects, watching from resourceVersion \(supervisor.statistics.resourceVersion)")
            server.compact {
                for index in 20..<23 { server.create(in: collection, name: "cm-\(index)") }
                server.create(in: collection, name: "cm-00", data: ["changed": "yes"])
                server.delete(in: collection, name: "cm-19")
            }
            try await Self.until { supervisor.statistics.lists == 2 && server.openWatches == 1 }
            for verdict in verdicts.all { print("  \(verdict.kind.id) → \(verdict.decision): \(verdict.reason)") }
            print("  compaction survived: \(supervisor.statistics.relists) relist")
            let seen = verdicts.all.count
            // The next watch (after this one's 1 s timeout) gets headers, then silence.
            server.injectWatchFaults([.stall])
            try await Self.until { verdicts.all.contains { $0.kind == .streamStalled } && server.openWatches == 1 }
            for verdict in verdicts.all.dropFirst(seen) { print("  \(verdict.kind.id) → \(verdict.decision): \(verdict.reason)") }
            server.create(in: collection, name: "after-stall")
            let serverState = { server.objects(in: collection).map { "\($0.name)@\($0.resourceVersion)" } }
            try await Self.until { supervisor.cache.snapshot().map { "\($0.name)@\($0.resourceVersion)" } == serverState() }
            let statistics = supervisor.statistics
            print("  cache equals server: \(supervisor.cache.count) objects at resourceVersion \(statistics.resourceVersion); "
                  + "\(statistics.lists) lists, \(statistics.watches) watches, "
                  + String(format: "%.1f s", (ContinuousClock.now - started).triageSeconds))
        }
        await server.shutdown()
    }

    /// Polls `condition` every 10 ms for at most 10 s.
    static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<1_000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DemoTimeout()
    }
}

struct DemoTimeout: Error, CustomStringConvertible {
    var description: String { "the Kubernetes demo did not reach its state within 10 s" }
}

/// The verdicts the demo's supervisor handed out.
final class DemoVerdicts: Sendable {
    private let verdicts = LockedValue<[WatchVerdict]>([])
    func append(_ verdict: WatchVerdict) { verdicts.withLock { $0.append(verdict) } }
    var all: [WatchVerdict] { verdicts.withLock { $0 } }
}
