import Foundation
import Testing
import Triage
import TriageChaos
@testable import TriageKubernetes

/// Which mutations are resent after a failure that may have reached the server: a server that resets
/// every connection once it has read the request (`maybeProcessed`), two attempts allowed.
@Suite struct KubernetesClientRetryTests {
    static func sent(_ operation: @escaping @Sendable (KubernetesClient<ContinuousClock>) async throws -> Void) async throws -> Int {
        try await FaultServer.with(.resetAfterRequest) { server in
            let configuration = KubernetesConfiguration(server: server.url(""), credentials: .init(bearer: .token("t")))
            try await KubernetesClient.withClient(configuration: configuration, pipeline: FakeCluster.pipeline) { client in
                let failure = await #expect(throws: Triage.Failure.self) { try await operation(client) }
                #expect(failure?.delivery == .maybeProcessed)
            }
            return server.requestCount
        }
    }

    static let path = "/api/v1/namespaces/default/configmaps"

    @Test func createAndPatchAreSentOnce() async throws {
        #expect(try await Self.sent { _ = try await $0.create(Self.path, json: Array(#"{"metadata":{"name":"a"}}"#.utf8)) } == 1)
        #expect(try await Self.sent { _ = try await $0.patch(Self.path + "/a", json: Array("{}".utf8)) } == 1)
    }

    @Test func replaceWithoutResourceVersionIsSentOnce() async throws {
        #expect(try await Self.sent { _ = try await $0.replace(Self.path + "/a", json: Array(#"{"metadata":{"name":"a"}}"#.utf8)) } == 1)
    }

    @Test func replaceWithResourceVersionDeleteAndGetAreResent() async throws {
        #expect(try await Self.sent { _ = try await $0.replace(Self.path + "/a", json: Array(#"{"metadata":{"name":"a","resourceVersion":"7"}}"#.utf8)) } == 2)
        #expect(try await Self.sent { try await $0.delete(Self.path + "/a") } == 2)
        #expect(try await Self.sent { _ = try await $0.get(Self.path + "/a") } == 2)
    }
}

/// Each request passes the client's pipeline once: its bulkhead permit, breaker ticket and observer
/// record are taken once per HTTP request, whatever the operation.
@Suite struct KubernetesClientPipelineTests {
    @Test func replaceWithoutResourceVersionTakesOneBulkheadPermitAndOneRecord() async throws {
        let records = LockedValue<[DecisionRecord]>([])
        // One slot, no queue: a request nested inside another's pass would be refused (`concurrency.limited`).
        let pipeline = Pipeline(clock: ContinuousClock(), retry: RetryPolicy(maximumAttempts: 2), bulkhead: try Bulkhead(maximumConcurrent: 1),
                                deadline: .seconds(20), attemptTimeout: .seconds(10), observer: { record in records.withLock { $0.append(record) } })
        try await FakeCluster.with(pipeline: pipeline) { server, client, _ in
            server.create(in: FakeCluster.configmaps, name: "a")
            let replaced = try await client.replace(FakeCluster.configmaps + "/a", json: Array(#"{"metadata":{"name":"a"},"data":{"k":"2"}}"#.utf8))
            #expect(replaced.name == "a")
            #expect(server.requests.filter { $0.hasSuffix("/configmaps/a") }.count == 1)
        }
        #expect(records.withLock { $0.map(\.action) } == [.succeeded])
    }
}
