import Foundation
import Testing
import Triage
import TriageChaos
@testable import TriageKubernetes

/// kubeconfig's `tls-server-name`: the certificate is verified against it (and it is the SNI), not against
/// the server URL's host.
@Suite struct ServerNameRouteTests {
    /// The fake API server on `https://127.0.0.1:PORT` with a certificate for `kubernetes.example` only,
    /// and a client loaded from a kubeconfig for it with `tls-server-name` set to `serverName`.
    static func get(tlsServerName serverName: String?) async throws -> KubernetesObject {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: nil, certifiedNames: ["kubernetes.example"])
        let directory = try TemporaryDirectory()
        do {
            server.create(in: FakeCluster.configmaps, name: "a")
            let path = try server.writeKubeconfig(to: directory.path + "/kubeconfig", tlsServerName: serverName)
            let configuration = try KubernetesConfiguration.load(kubeconfig: path)
            let object = try await KubernetesClient.withClient(configuration: configuration, pipeline: FakeCluster.pipeline) { client in
                try await client.get(FakeCluster.configmaps + "/a")
            }
            await server.shutdown()
            return object
        } catch {
            await server.shutdown()
            throw error
        }
    }

    @Test func certificateForTheServerNameIsAcceptedAtAnIPAddress() async throws {
        #expect(try await Self.get(tlsServerName: "kubernetes.example").name == "a")
    }

    @Test func withoutTheServerNameTheSameCertificateIsAHostnameMismatch() async throws {
        let failure = await #expect(throws: Triage.Failure.self) { try await Self.get(tlsServerName: nil) }
        #expect(failure?.kind == .tlsHostnameMismatch)
        #expect(failure?.decision == .fail)
    }

    @Test func routeSendsToTheNameAndConnectsToTheHost() throws {
        let route = try #require(ServerNameRoute(server: "https://127.0.0.1:6443", serverName: "kubernetes.example"))
        #expect(route.base == "https://kubernetes.example:6443")
        #expect(route.authority == "127.0.0.1:6443")
        #expect(route.dnsOverride == ["kubernetes.example": "127.0.0.1"])
        let v6 = try #require(ServerNameRoute(server: "https://[::1]/prefix", serverName: "api.internal"))
        #expect(v6.base == "https://api.internal/prefix")
        #expect(v6.dnsOverride == ["api.internal": "::1"])
    }

    @Test func nothingToRerouteWithoutANameToTheSameHostOrOverHTTP() {
        #expect(ServerNameRoute(server: "https://127.0.0.1:6443", serverName: nil) == nil)
        #expect(ServerNameRoute(server: "https://api.example:6443", serverName: "API.example") == nil)
        #expect(ServerNameRoute(server: "http://127.0.0.1:8080", serverName: "kubernetes.example") == nil)
    }
}
