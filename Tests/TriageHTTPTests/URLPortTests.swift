import AsyncHTTPClient
import Testing
import Triage
import TriageHTTP
import TriageTestKit

/// A port above 65,535 is `request.invalidURL`, not a trap in AsyncHTTPClient (which ended the process:
/// `triage probe http://127.0.0.1:99999/` exited 132, and an outbox message to such a URL crashed
/// every `triage outbox run`).
@Suite struct URLPortTests {
    @Test(arguments: ["http://127.0.0.1:99999/", "https://127.0.0.1:65536", "http://u:p@10.0.0.1:123456/x?y=1",
                      "http://[::1]:70000/", "http://localhost:99999#f"])
    func aPortAbove65535IsAnInvalidURL(_ url: String) {
        #expect(URLPort.outOfRange(in: url)?.kind == .requestInvalidURL)
    }

    @Test(arguments: ["http://127.0.0.1:65535/", "http://127.0.0.1/", "http://[::1]/a:99999", "http://h/p?port=:99999",
                      "http://u:99999@h/", "http://127.0.0.1:abc/", "not a url", "http://[::1]:8080"])
    func otherURLsAreLeftToTheClient(_ url: String) {
        #expect(URLPort.outOfRange(in: url) == nil)
    }

    @Test func theClientFailsWithoutSendingInsteadOfTrapping() async throws {
        try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
            let failure = await #expect(throws: Failure.self) {
                _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:99999/"))
            }
            #expect(failure?.kind == .requestInvalidURL)
            #expect(failure?.delivery == .notSent)
        }
    }
}
