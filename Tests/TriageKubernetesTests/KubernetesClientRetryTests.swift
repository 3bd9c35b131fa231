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
