import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// `triage s3` never prints the secret key, the session token or the request's signature, even when
/// the server's error echoes the request's headers.
@Suite struct S3EchoedSecretsTests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage")
    }

    static let secret = "SECRETKEYVALUE123"
    static let token = "SESSTOKVALUE"

    /// `400 InvalidRequest` whose message is every request header, as sent.
    static let echoing = FaultBehaviour.routeRequest { request in
        let headers = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: " | ")
            + " | secret \(secret) token \(token)"
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidRequest</Code><Message>\(headers)</Message>"
            + "<RequestId>req-1</RequestId></Error>"
        return .respond(status: 400, headers: [("Content-Type", "application/xml")], body: body)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build the triage product first"),
          arguments: [[], ["--json"]])
    func echoedCredentialsAreMasked(flags: [String]) async throws {
        let result = try await FaultServer.with(Self.echoing) { server in
            let environment = ["AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=\(Self.secret)", "AWS_SESSION_TOKEN=\(Self.token)",
                               "AWS_REGION=us-east-1"]
            return try await ChildProcess.run("/usr/bin/env", environment + [Self.binary.path, "s3", "get"] + flags
                                              + ["s3://bk1/x", "--endpoint", server.url("")])
        }
        let printed = result.stdout + result.stderr
        #expect(result.status == 1, "\(printed)")
        #expect(printed.contains("InvalidRequest") || printed.contains("http.badRequest"), "\(printed)")
        #expect(!printed.contains(Self.token), "the session token was printed: \(printed)")
        #expect(!printed.contains(Self.secret), "the secret key was printed: \(printed)")
        // The SigV4 signature of the echoed Authorization header.
        #expect(printed.range(of: "Signature=[0-9a-f]{16,}", options: .regularExpression) == nil, "\(printed)")
        if flags.isEmpty { #expect(printed.contains("<redacted>"), "\(printed)") }
    }
}
