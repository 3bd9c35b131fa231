import Testing
import TriageKubernetes

@Suite struct BasicAuthHeaderTests {
    @Test func basicCredentialsBecomeAnAuthorizationHeader() async throws {
        let configuration = KubernetesConfiguration(server: "http://127.0.0.1:9",
                                                    credentials: .init(basic: .init(username: "admin", password: "p@ss:wörd")))
        try await KubernetesClient.withClient(configuration: configuration) { client in
            let request = client.request(.GET, "/api/v1/namespaces")
            // base64("admin:p@ss:wörd"), as RFC 7617 encodes the UTF-8 bytes.
            #expect(request.headers.first(name: "Authorization") == "Basic YWRtaW46cEBzczp3w7ZyZA==")
        }
    }
}
