import Triage
import Foundation
import Testing
import TriageChaos
import TriageProbe

/// Secrets and terminal controls against real loopback servers: what the probe prints, and what
/// it sends on after a redirect.
@Suite struct ProbeSecretsTests {
    static let secretHeaders: [(name: String, value: String)] = Redactor.secretHeaders.sorted().enumerated().map { index, name in
        (name, "Bearer sekrit-\(index)-\(name)")
    }

    /// Every way a secret could come back: the values, their bare tokens, in human and JSON output.
    static func expectNoSecret(_ report: ProbeReport, _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for text in [report.human(), report.json()] {
            for secret in secrets {
                #expect(!text.contains(secret), "\(secret) printed", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func anAPIBodyEchoingEverySecretGetsThemMasked() async throws {
        let tokens = Self.secretHeaders.map { String($0.value.dropFirst("Bearer ".count)) } + ["url-pass-1", "qtoken-77", "mine-999"]
        let echo = tokens.joined(separator: " ")
        let body = #"{"type":"https://errors.example/\#(tokens[0])","title":"denied","detail":"you sent \#(echo)"}"#
        let report = try await FaultServer.with(.respond(status: 401, headers: [("Content-Type", "application/problem+json")], body: body)) { server in
            await ProbeRunnerTests.probe("http://user:url-pass-1@127.0.0.1:\(server.port)/x?token=qtoken-77") {
                $0.headers = Self.secretHeaders + [("X-Mine", "mine-999")]
                $0.secretHeaders = ["X-Mine"]
            }
        }
        #expect(report.kindID == "http.unauthorized")
        let api = try #require(report.failure?.api)
        #expect(api.format.id == "problem")
        #expect(api.message?.contains("<redacted>") == true)
        Self.expectNoSecret(report, tokens)
        #expect(report.url == "http://user:<redacted>@127.0.0.1:\(report.url.split(separator: ":").last!.prefix { $0.isNumber })/x?token=<redacted>")
    }

    @Test(arguments: ["pa/ss", "pa?ss", "pa#ss"])
    func passwordsWithDelimitersAreNeverPrinted(password: String) async throws {
        let port = try LoopbackSockets.closedPort()
        let report = await ProbeRunnerTests.probe("http://alice:\(password)word@127.0.0.1:\(port)/")
        #expect(report.exitCode == 1)
        Self.expectNoSecret(report, ["\(password)word", "ss" + "word"])
    }

    @Test func aTokenUserNameIsNeverPrinted() async throws {
        let port = try LoopbackSockets.closedPort()
        let report = await ProbeRunnerTests.probe("http://ghp_abcdefTOKEN@127.0.0.1:\(port)/")
        Self.expectNoSecret(report, ["ghp_abcdefTOKEN"])
        #expect(report.url.hasPrefix("http://<redacted>@127.0.0.1"))
    }

    /// AsyncHTTPClient rejects a header value with a control character and describes the values
    /// escaped: `invalidHeaderFieldValues(["to\u{01}\"ken"])`. The escaped form is masked too.
    @Test func asyncHTTPClientErrorDescriptionsAreMasked() async throws {
        let secret = "ab\u{01}\"cd-secret"
        let report = try await FaultServer.with(.respond(status: 200)) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.headers = [("X-Api-Key", secret)] }
        }
        #expect(report.exitCode == 1)
        let error = try #require(report.error)
        #expect(error.contains("<redacted>"), "\(error)")
        Self.expectNoSecret(report, ["cd-secret", "ab\\u{01}", "ab\\u{1}"])
    }

    @Test func terminalControlsFromTheServerAreEscaped() async throws {
        // JSON escapes: the decoded message holds ESC, BEL, CSI (U+009B), DEL and RIGHT-TO-LEFT OVERRIDE.
        let hostile = #"\u001b]0;owned\u0007\u001b[2J\u009b31m\u007f\u202e"#
        let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"\#(hostile)","reason":"Bad\#(hostile)","code":500}"#
        let report = try await FaultServer.with(.respond(status: 500, headers: [("Content-Type", "application/json")], body: body)) { server in
            await ProbeRunnerTests.probe(server.url())
        }
        #expect(report.failure?.api?.format.id == "kubernetes")
        for text in [report.human(), report.json()] {
            #expect(!text.unicodeScalars.contains { TerminalText.needsEscape($0) && $0 != "\n" })
            #expect(text.contains(#"\u{1B}[2J"#) || text.contains(#"\\u{1B}[2J"#))
        }
        let json = try #require(JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let api = try #require(json["api"] as? [String: Any])
        #expect((api["message"] as? String)?.hasPrefix(#"\u{1B}]0;owned"#) == true)
    }
}

/// Redirects are followed by the probe: secret headers stay with their origin.
@Suite struct ProbeRedirectTests {
    /// The headers of every request a server got.
    final class Seen: Sendable {
        private let requests = LockedValue<[[String: String]]>([])
        func add(_ request: FaultRequest) {
            requests.withLock { $0.append(Dictionary(request.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })) }
        }
        var first: [String: String]? { requests.withLock { $0.first } }
    }

    /// A server that records the headers of every request it gets and answers 200.
    static func recorder() -> (FaultBehaviour, Seen) {
        let seen = Seen()
        let behaviour = FaultBehaviour.routeRequest { request in
            seen.add(request)
            return .respond(status: 200, body: "landed")
        }
        return (behaviour, seen)
    }

    static let headers: [(name: String, value: String)] = [
        ("Authorization", "Bearer auth-1"), ("X-Api-Key", "key-2"), ("PRIVATE-TOKEN", "pt-3"), ("X-Mine", "mine-4"), ("X-Plain", "plain-5"),
    ]

    @Test func crossOriginRedirectsDropEverySecretHeader() async throws {
        let (target, seen) = Self.recorder()
        let report = try await FaultServer.with(target) { landing in
            try await FaultServer.with(.respond(status: 302, headers: [("Location", landing.url("/there"))])) { start in
                await ProbeRunnerTests.probe(start.url("/here")) { $0.headers = Self.headers; $0.secretHeaders = ["x-mine"] }
            }
        }
        #expect(report.succeeded)
        #expect(report.status == 200)
        #expect(report.explanation.contains("after 1 redirect"))
        let received = try #require(seen.first)
        for secret in ["authorization", "x-api-key", "private-token", "x-mine"] {
            #expect(received[secret] == nil, "\(secret) was forwarded to another origin")
        }
        #expect(received["x-plain"] == "plain-5")
    }

    /// A `Host` the user set names the first origin: sent on, it would address the next server by the
    /// first one's name.
    @Test func crossOriginRedirectsDropAHostTheUserSet() async throws {
        let (target, seen) = Self.recorder()
        let report = try await FaultServer.with(target) { landing in
            try await FaultServer.with(.respond(status: 302, headers: [("Location", landing.url("/there"))])) { start in
                await ProbeRunnerTests.probe(start.url("/here")) { $0.headers = [("Host", "first.example")] }
            }
        }
        #expect(report.succeeded)
        #expect(try #require(seen.first)["host"] != "first.example")
    }

    @Test func sameOriginRedirectsKeepTheHeaders() async throws {
        let (landing, seen) = Self.recorder()
        let behaviour = FaultBehaviour.routeRequest { request in
            request.path == "/here" ? .respond(status: 307, headers: [("Location", "/there")]) : landing.resolvedForTest(request)
        }
        let report = try await FaultServer.with(behaviour) { server in
            await ProbeRunnerTests.probe(server.url("/here")) { $0.headers = Self.headers }
        }
        #expect(report.succeeded)
        #expect(seen.first?["x-api-key"] == "key-2")
    }

    @Test func anHTTPSToHTTPDowngradeDropsSecretHeaders() async throws {
        let certificates = try TestCertificates()
        let tls = try TestCertificates.serverConfiguration(for: certificates.leaf())
        let (target, seen) = Self.recorder()
        let report = try await FaultServer.with(target) { plain in
            try await FaultServer.with(.respond(status: 301, headers: [("Location", "http://localhost:\(plain.port)/down")]), tls: tls) { secure in
                await ProbeRunnerTests.probe("https://localhost:\(secure.port)/up") {
                    $0.headers = Self.headers
                    $0.extraRootsPEM = certificates.ca.certificatePEM
                }
            }
        }
        #expect(report.succeeded, "\(report.human())")
        let received = try #require(seen.first)
        #expect(received["authorization"] == nil && received["x-api-key"] == nil && received["private-token"] == nil)
    }

    @Test func redirectLoopsAreTooMany() async throws {
        let report = try await FaultServer.with(.redirectLoop) { server in await ProbeRunnerTests.probe(server.url("/loop/a")) }
        #expect(report.kindID == "redirect.tooMany")
        let chain = try await FaultServer.with(.redirectChain) { server in await ProbeRunnerTests.probe(server.url("/chain/0")) }
        #expect(chain.kindID == "redirect.tooMany")
    }
}

extension FaultBehaviour {
    /// The behaviour a `.routeRequest` chooses for `request` (other behaviours are returned as they are).
    func resolvedForTest(_ request: FaultRequest) -> FaultBehaviour {
        if case .routeRequest(let choose) = self { return choose(request) }
        return self
    }
}

/// `--timeout` is a deadline for the whole probe, the bodies included.
@Suite struct ProbeDeadlineTests {
    @Test func aBodyThatNeverEndsStopsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        let report = try await FaultServer.with(.chunkedStall) { server in
            // 2 s: the head comes well before the deadline, on a loaded machine too; the body never ends.
            await ProbeRunnerTests.probe(server.url()) { $0.timeout = .seconds(2); $0.attemptTimeout = .seconds(30); $0.readTimeout = .seconds(30) }
        }
        #expect(report.kindID == "deadline.exceeded")
        #expect(report.status == 200)
        #expect(report.exitCode == 1)
        #expect(ContinuousClock.now - started < .seconds(25), "safety net: the probe ran to its 30 s idle timeout")
    }

    @Test func anErrorBodyTricklingInStopsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        let report = try await FaultServer.with(.trickleBody(status: 503, interval: .milliseconds(20))) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.timeout = .milliseconds(600); $0.attemptTimeout = .seconds(30); $0.readTimeout = .seconds(30) }
        }
        #expect(report.kindID == "deadline.exceeded")
        // The status is not known: ResilientHTTPClient reads an error body before it hands anything
        // back, and the deadline ends that read.
        #expect(ContinuousClock.now - started < .seconds(25), "safety net: the probe read the trickle to its end")
    }
}
