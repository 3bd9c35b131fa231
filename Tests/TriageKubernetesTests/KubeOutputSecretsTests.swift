import Foundation
import Testing
import TriageChaos
import TriageTestSupport

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

/// A server whose objects echo the request's Authorization header: `kube get` and `kube list` print
/// objects with the configuration's secrets masked, as they print failures.
@Suite struct KubeEchoedObjectSecretsTests {
    static let echoing = FaultBehaviour.routeRequest { request in
        let authorization = request.header("Authorization") ?? ""
        let object = #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"default","resourceVersion":"7","#
            + #""annotations":{"seen":"\#(authorization)"}}}"#
        let body = request.path.hasPrefix("/api/v1/namespaces/default/configmaps/a") ? object
            : #"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[\#(object)]}"#
        return .respond(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }

    static let commands: [[String]] = [["get", "/api/v1/namespaces/default/configmaps/a"],
                                       ["list", "--json", "/api/v1/namespaces/default/configmaps"]]

    @Test(.enabled(if: KubeCommandLineTests.built, "build the triage product first"), arguments: commands)
    func anEchoedTokenIsMaskedInObjects(command: [String]) async throws {
        let token = "SEKRET-TOK"
        let result = try await FaultServer.with(Self.echoing) { server in
            try await KubeCommandLineTests.run(["kube", command[0], "--server", server.url(), "--token", token] + command.dropFirst())
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(token), "the token was printed: \(result.stdout)")
        #expect(result.stdout.contains("<redacted>"))
        #expect(!result.stderr.contains(token))
    }

    @Test(.enabled(if: KubeCommandLineTests.built, "build the triage product first"), arguments: commands)
    func anEchoedBasicAuthHeaderIsMaskedInObjects(command: [String]) async throws {
        let directory = try TemporaryDirectory()
        let result = try await FaultServer.with(Self.echoing) { server in
            let kubeconfig = directory.path + "/kubeconfig"
            try """
            apiVersion: v1
            kind: Config
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: u}}]
            clusters: [{name: k, cluster: {server: "\(server.url(""))"}}]
            users: [{name: u, user: {username: bob, password: KC-PASS-2}}]
            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
            return try await KubeCommandLineTests.run(["kube", command[0], "--kubeconfig", kubeconfig] + command.dropFirst())
        }
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        // base64("bob:KC-PASS-2")
        #expect(!result.stdout.contains("Ym9iOktDLVBBU1MtMg=="), "the basic-auth header was printed: \(result.stdout)")
        #expect(!result.stdout.contains("KC-PASS-2"))
        #expect(result.stdout.contains("<redacted>"))
    }
}

/// `kube get` and `kube list` print the server's objects as JSON values, one line: an object with a raw
/// control byte in a string (which the client's scanner keeps, for the watch's speed) is
/// `response.malformed`, not printed as text that is not JSON and is split across lines.
@Suite struct KubeMalformedObjectTests {
    static let serving = FaultBehaviour.routeRequest { request in
        let object = "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\",\"namespace\":\"default\",\"resourceVersion\":\"7\"},"
            + "\"data\":{\"x\":\"line one\nline two\"}}"
        let body = request.path.hasPrefix("/api/v1/namespaces/default/configmaps/a") ? object
            : #"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[\#(object)]}"#
        return .respond(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }

    @Test(.enabled(if: KubeCommandLineTests.built, "build the triage product first"), arguments: KubeEchoedObjectSecretsTests.commands)
    func aRawControlByteInAStringIsMalformed(command: [String]) async throws {
        let result = try await FaultServer.with(Self.serving) { server in
            try await KubeCommandLineTests.run(["kube", command[0], "--server", server.url(), "--token", "t"] + command.dropFirst())
        }
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("response.malformed"))
        #expect(!result.stdout.contains("line two"))
    }
}
