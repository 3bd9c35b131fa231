import Foundation
import Testing
import TriageChaos

/// `triage kube` never prints the token back, even when the server echoes it in its error.
@Suite struct KubeOutputSecretsTests {
    static let token = "s3cr3t-token-0123456789"

    @Test(.enabled(if: KubeCommandLineTests.built, "build the triage product first"), arguments: [["--json"], []])
    func anEchoedTokenIsMasked(flags: [String]) async throws {
        let echo = #"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"token \#(Self.token) (Bearer \#(Self.token)) may not get configmaps"}"#
        let result = try await FaultServer.with(.respond(status: 403, headers: [("Content-Type", "application/json")], body: echo)) { server in
            try await KubeCommandLineTests.run(["kube", "get", "--server", server.url(), "--token", Self.token] + flags
                                               + ["/api/v1/namespaces/default/configmaps/a"])
        }
        #expect(result.status == 1)
        #expect(result.stdout.contains("http.forbidden"))
        #expect(!result.stdout.contains(Self.token), "the token was printed: \(result.stdout)")
        #expect(!result.stderr.contains(Self.token))
        #expect(result.stdout.contains("<redacted>"))
    }
}
