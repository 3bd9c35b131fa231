import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// The `triage` executable itself: exit statuses and output, as a user sees them.
@Suite struct CommandLineTests {
    /// `swift test` builds every product, so the binary sits beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage")
    }

    static func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(binary.path, arguments)
    }

    @Test func unknownFlagIsUsageExitTwo() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the triage product first")
        let result = try await Self.run(["probe", "--no-such-flag", "http://127.0.0.1/"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Unknown option"))
    }

    /// `--secret-header 'X-Api-Key: V'` marked a name no request carried, and the header was never sent.
    @Test func aSecretHeaderGivenWithItsValueIsUsageAndNotEchoed() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path))
        let result = try await Self.run(["probe", "--secret-header", "X-Api-Key: vv-secret-value", "http://127.0.0.1/"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--secret-header"))
        #expect(!result.stderr.contains("vv-secret-value") && !result.stdout.contains("vv-secret-value"))
    }

    @Test func unreadableCACertIsUsageExitTwo() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path))
        let result = try await Self.run(["probe", "--cacert", "/nonexistent.pem", "http://127.0.0.1/"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--cacert"))
    }

    @Test func refusedPortPrintsJsonAndExitsOne() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path))
        let port = try LoopbackSockets.closedPort()
        let result = try await Self.run(["probe", "--json", "http://127.0.0.1:\(port)/"])
        #expect(result.status == 1)
        let json = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["kind"] as? String == "connect.refused")
    }

    @Test func malformedURLIsAFailureNotUsage() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path))
        let result = try await Self.run(["probe", "--json", "http://exa mple.com/"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("request.invalidURL"))
    }

    @Test func successExitsZero() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path))
        try await FaultServer.with(.respond(status: 204)) { server in
            let result = try await Self.run(["probe", server.url()])
            #expect(result.status == 0)
            #expect(result.stdout.contains("outcome: success"))
        }
    }

    @Test func secretHeadersNamedOnTheCommandLineAreNeverPrinted() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path))
        let body = #"{"type":"about:blank","title":"denied","detail":"bad key zz-internal-secret, token tok-abcdef"}"#
        try await FaultServer.with(.respond(status: 403, headers: [("Content-Type", "application/problem+json")], body: body)) { server in
            let arguments = ["probe", "-H", "X-Internal: zz-internal-secret", "--secret-header", "x-internal",
                             "-H", "Authorization: Bearer tok-abcdef", server.url("/?api_key=qq-query-secret")]
            for json in [[], ["--json"]] {
                let result = try await Self.run(arguments + json)
                #expect(result.status == 1)
                #expect(result.stdout.contains("<redacted>"))
                for secret in ["zz-internal-secret", "tok-abcdef", "qq-query-secret"] {
                    #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(secret) printed")
                }
            }
        }
    }
}
