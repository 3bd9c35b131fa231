import Foundation
import Testing
import Triage
import TriageChaos
import TriageHTTP
@testable import TriageKubernetes

/// The dynamic client against the fake API server over HTTPS with a CA made at test time.
@Suite struct KubernetesClientTests {
    struct ConfigMap: Codable, Equatable {
        struct Metadata: Codable, Equatable {
            var name: String
            var namespace: String?
            var resourceVersion: String?
        }
        var apiVersion = "v1"
        var kind = "ConfigMap"
        var metadata: Metadata
        var data: [String: String]?
    }

    @Test func createGetReplacePatchDeleteRoundTrip() async throws {
        try await FakeCluster.with { server, client, _ in
            let created = try await client.create(FakeCluster.configmaps, ConfigMap(metadata: .init(name: "a"), data: ["k": "1"]))
            #expect(created.metadata.namespace == "default")
            let version = try #require(created.metadata.resourceVersion)
            let fetched = try await client.get(FakeCluster.configmaps + "/a", as: ConfigMap.self)
            #expect(fetched == created)
            var changed = fetched
            changed.data = ["k": "2"]
            let replaced = try await client.replace(FakeCluster.configmaps + "/a", changed)
            #expect(replaced.data == ["k": "2"])
            #expect(replaced.metadata.resourceVersion != version)
            let patched = try await client.patch(FakeCluster.configmaps + "/a", .merge, json: Array(#"{"data":{"extra":"yes"}}"#.utf8))
            #expect(try patched.decode(ConfigMap.self).data == ["k": "2", "extra": "yes"])
            _ = try await client.patch(FakeCluster.configmaps + "/a", .strategicMerge, json: Array(#"{"data":{"k":null}}"#.utf8))
            #expect(try await client.get(FakeCluster.configmaps + "/a", as: ConfigMap.self).data == ["extra": "yes"])
            try await client.delete(FakeCluster.configmaps + "/a")
            #expect(server.objects(in: FakeCluster.configmaps).isEmpty)
        }
    }

    @Test func notFoundIsAFailureWithTheDecodedStatus() async throws {
        try await FakeCluster.with { _, client, _ in
            let failure = await #expect(throws: Triage.Failure.self) { try await client.get(FakeCluster.configmaps + "/missing") }
            #expect(failure?.kind == .httpNotFound)
            #expect(failure?.status == 404)
            guard case .kubernetes(let status)? = failure?.api?.document else {
                Issue.record("no Kubernetes Status decoded")
                return
            }
            #expect(status.isNotFound)
            #expect(failure?.history.count == 1)
        }
    }

    @Test func staleReplaceIsAConflict() async throws {
        try await FakeCluster.with { server, client, _ in
            server.create(in: FakeCluster.configmaps, name: "a")
            let stale = Array(#"{"metadata":{"name":"a","resourceVersion":"999"},"data":{}}"#.utf8)
            let failure = await #expect(throws: Triage.Failure.self) { try await client.replace(FakeCluster.configmaps + "/a", json: stale) }
            #expect(failure?.kind == .httpConflict)
            #expect(failure?.decision == .refresh)
        }
    }

    @Test func listFollowsContinueTokensOverOneSnapshot() async throws {
        try await FakeCluster.with { server, client, _ in
            for index in 0..<23 { server.create(in: FakeCluster.configmaps, name: String(format: "cm-%02d", index)) }
            let first = try await client.listPage(FakeCluster.configmaps, limit: 5)
            #expect(first.items.count == 5)
            #expect(first.remainingItemCount == 18)
            // A write between pages does not show in the same list.
            server.create(in: FakeCluster.configmaps, name: "zz-late")
            let second = try await client.listPage(FakeCluster.configmaps, limit: 5, continueToken: first.continueToken)
            #expect(second.resourceVersion == first.resourceVersion)
            let all = try await client.list(FakeCluster.configmaps, limit: 5)
            #expect(all.items.count == 24)
            #expect(Set(all.items.map(\.name)).count == 24)
            #expect(server.requests.filter { $0.contains("limit=5") }.count == 2 + 5)
        }
    }

    @Test func expiredContinueTokenGivesOneFreshList() async throws {
        try await FakeCluster.with { server, client, _ in
            for index in 0..<6 { server.create(in: FakeCluster.configmaps, name: "cm-\(index)") }
            let first = try await client.listPage(FakeCluster.configmaps, limit: 2)
            server.compact()
            let failure = await #expect(throws: Triage.Failure.self) {
                try await client.listPage(FakeCluster.configmaps, limit: 2, continueToken: first.continueToken)
            }
            #expect(failure?.kind == .watchExpired)
            // `list` restarts once, from the first page, when a token expires mid-way.
            server.injectListFaults([.expiredContinue])
            let before = server.requests.count
            let all = try await client.list(FakeCluster.configmaps, limit: 2)
            let sent = server.requests.dropFirst(before)
            #expect(sent.filter { !$0.contains("continue=") }.count == 2)
            // Pages 1 and 2 (expired), then pages 1, 2 and 3 again.
            #expect(sent.count == 2 + 3)
            #expect(all.items.count == 6)
            // A server whose pages loop: a classified failure, not a list that never ends (it ran 1,354
            // requests in 60 s before).
            server.injectListFaults([.loopingContinue])
            let loopStart = server.requests.count
            let looped = await #expect(throws: Triage.Failure.self) { try await client.list(FakeCluster.configmaps, limit: 2) }
            #expect(looped?.kind == .responseMalformed)
            #expect(server.requests.count - loopStart == 2, "page 1, then a page that sends page 1's token again")
        }
    }

    /// A watch that opens while a compaction's own changes are made starts from a revision the
    /// compaction removes: it must be expired like the watches open before it. Before the fake server
    /// did so, it followed the changes and never listed again (`triage bench watch` hung in its memory
    /// phase about one run in twenty under load).
    @Test func aWatchOpenedDuringACompactionIsExpired() async throws {
        try await FakeCluster.with(bookmarkInterval: nil) { server, client, _ in
            server.create(in: FakeCluster.configmaps, name: "before")
            let version = try await client.list(FakeCluster.configmaps).resourceVersion
            let watch = Task {
                try await client.watch(FakeCluster.configmaps, resourceVersion: version, timeoutSeconds: 5) { _ in }
            }
            // The compaction's changes wait (blocking) for the watch to open: on a Dispatch thread, so
            // the cooperative pool stays free to open it and to run the other tests.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    server.compact {
                        let deadline = ContinuousClock.now + .seconds(10)
                        while server.openWatches == 0, ContinuousClock.now < deadline { usleep(1_000) }
                        server.create(in: FakeCluster.configmaps, name: "during")
                    }
                    continuation.resume()
                }
            }
            let summary = try await watch.value
            #expect(summary.errorStatus?.code == 410)
        }
    }

    @Test func clusterScopedAndGroupPaths() async throws {
        try await FakeCluster.with { _, client, _ in
            let namespace = Array(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}"#.utf8)
            let created = try await client.create("/api/v1/namespaces", json: namespace)
            #expect(created.namespace == "")
            #expect(created.key == "team-a")
            let deployment = Array(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}"#.utf8)
            _ = try await client.create("/apis/apps/v1/namespaces/team-a/deployments", json: deployment)
            let list = try await client.list("/apis/apps/v1/namespaces/team-a/deployments")
            #expect(list.items.map(\.key) == ["team-a/web"])
            let status = try await client.patchStatus("/apis/apps/v1/namespaces/team-a/deployments/web", json: Array(#"{"status":{"readyReplicas":2}}"#.utf8))
            #expect(String(decoding: status.json, as: UTF8.self).contains("readyReplicas"))
        }
    }

    @Test func rotatedTokenFileIsReReadAfter401() async throws {
        try await FakeCluster.with(tokenFile: true) { server, client, directory in
            server.create(in: FakeCluster.configmaps, name: "a")
            _ = try await client.get(FakeCluster.configmaps + "/a")
            // The server rotates the token and the kubelet writes the new one into the file.
            server.tokens = ["rotated-token"]
            try "rotated-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
            let object = try await client.get(FakeCluster.configmaps + "/a")
            #expect(object.name == "a")
        }
    }

    @Test func wrongTokenIsUnauthorizedAndNotRetried() async throws {
        try await FakeCluster.with { server, client, _ in
            server.tokens = ["other"]
            let failure = await #expect(throws: Triage.Failure.self) { try await client.get(FakeCluster.configmaps + "/a") }
            #expect(failure?.kind == .httpUnauthorized)
            #expect(server.requests.count == 1)
        }
    }

    @Test func untrustedServerCertificateIsClassified() async throws {
        let server = try await FakeKubernetesServer.start()
        defer { Task { await server.shutdown() } }
        let other = try TestCertificates()
        let configuration = KubernetesConfiguration(server: server.url, certificateAuthorityPEM: Array(other.ca.certificatePEM.utf8),
                                                    credentials: .init(bearer: .token("triage-test-token")))
        let failure = try await KubernetesClient.withClient(configuration: configuration, pipeline: FakeCluster.pipeline) { client in
            await #expect(throws: Triage.Failure.self) { try await client.get(FakeCluster.configmaps + "/a") }
        }
        // Both test CAs share a name, so the chain fails on its signature: invalid rather than untrusted.
        #expect(failure?.kind == .tlsCertificateInvalid || failure?.kind == .tlsCertificateUntrusted)
        #expect(failure?.decision == .fail)
    }
}
