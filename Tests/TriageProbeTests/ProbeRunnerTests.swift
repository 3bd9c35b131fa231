import Triage
import Foundation
import Testing
import TriageChaos
import TriageProbe

/// The probe against real loopback servers, through the library.
@Suite struct ProbeRunnerTests {
    static func probe(_ url: String, configure: (inout ProbeOptions) -> Void = { _ in }) async -> ProbeReport {
        var options = ProbeOptions(url: url)
        options.connectTimeout = .seconds(2)
        options.attemptTimeout = .seconds(2)
        configure(&options)
        return await ProbeRunner(options: options).run()
    }

    static func object(_ report: ProbeReport) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
    }

    @Test func refusedPortIsClassifiedFastAndNotSent() async throws {
        let port = try LoopbackSockets.closedPort()
        let report = await Self.probe("http://127.0.0.1:\(port)/")
        let json = try Self.object(report)
        #expect(json["kind"] as? String == "connect.refused")
        #expect(json["delivery"] as? String == "notSent")
        #expect(json["outcome"] as? String == "failure")
        #expect(json["retryable"] as? Bool == true)
        #expect(report.exitCode == 1)
        // Had the refusal been retried until the connect timeout, the kind would be connect.timeout. The
        // attempts are the library's default policy's (probe-json.md: `--max-attempts` defaults to it).
        let attempts = try #require(json["attempts"] as? [[String: Any]])
        #expect(attempts.count == RetryPolicy().maximumAttempts)
        #expect(attempts.allSatisfy { $0["kind"] as? String == "connect.refused" })
    }

    @Test func successHasKindOkAndNullDecision() async throws {
        let report = try await FaultServer.with(.respond(status: 200, body: "fine")) { server in
            await Self.probe(server.url())
        }
        let json = try Self.object(report)
        #expect(json["outcome"] as? String == "success")
        #expect(json["kind"] as? String == "ok")
        #expect(json["decision"] is NSNull)
        #expect(json["retryable"] as? Bool == false)
        #expect(json["status"] as? Int == 200)
        #expect(json["error"] is NSNull)
        #expect(report.exitCode == 0)
    }

    @Test func serviceUnavailableWithRetryAfterAndAKubernetesBody() async throws {
        let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"the server is currently unable to handle the request","reason":"ServiceUnavailable","details":{"retryAfterSeconds":2},"code":503}"#
        let report = try await FaultServer.with(.respond(status: 503, headers: [("Retry-After", "2"), ("Content-Type", "application/json")], body: body)) { server in
            await Self.probe(server.url("/items/1")) { $0.maximumAttempts = 1 }   // probe-json.md's example
        }
        let json = try Self.object(report)
        #expect(json["status"] as? Int == 503)
        #expect(json["kind"] as? String == "http.unavailable")
        #expect(json["decision"] as? String == "retryAfter")
        #expect(json["retry_after_s"] as? Double == 2.0)
        let api = try #require(json["api"] as? [String: Any])
        #expect(api["format"] as? String == "kubernetes")
        #expect(api["reason"] as? String == "ServiceUnavailable")
        #expect(api["code"] as? String == "503")
        #expect(api["retry_after_s"] as? Double == 2.0)
        #expect(json["error"] as? String == "HTTP 503 Service Unavailable")
        let attempt = try #require((json["attempts"] as? [[String: Any]])?.first)
        #expect(attempt["delay_s"] is NSNull)
        #expect((attempt["reason"] as? String)?.contains("2 s") == true)
    }

    @Test func s3ErrorsFillTheApiObject() async throws {
        let body = "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>"
        let report = try await FaultServer.with(.respond(status: 404, headers: [("x-amz-request-id", "REQ42")], body: body)) { server in
            await Self.probe(server.url("/b/k"))
        }
        let api = try #require(try Self.object(report)["api"] as? [String: Any])
        #expect(api["format"] as? String == "s3")
        #expect(api["code"] as? String == "NoSuchBucket")
        #expect(api["request_id"] as? String == "REQ42")
        #expect(api["reason"] is NSNull)
    }

    @Test(arguments: ["http://exa mple.com/", "gopher://x/", "http:///path"])
    func malformedURLsAreClassifiedFailures(url: String) async throws {
        let report = await Self.probe(url)
        #expect(report.kindID == "request.invalidURL")
        #expect(report.exitCode == 1)
    }

    @Test func secretsNeverReachTheOutput() async throws {
        let port = try LoopbackSockets.closedPort()
        let report = await Self.probe("http://alice:pa55word@127.0.0.1:\(port)/") {
            $0.headers = [("Authorization", "Bearer tok-123456"), ("Cookie", "session=abcdef"), ("X-Amz-Security-Token", "AMZTOKEN")]
        }
        for text in [report.json(), report.human()] {
            #expect(!text.contains("pa55word"))
            #expect(!text.contains("tok-123456"))
            #expect(!text.contains("abcdef"))
            #expect(!text.contains("AMZTOKEN"))
        }
        #expect(report.json().contains("alice:<redacted>@"))
    }

    @Test func postAfterAResetIsFlaggedAsUnsafeToResend() async throws {
        let report = try await FaultServer.with(.resetAfterRequest) { server in
            await Self.probe(server.url()) { $0.method = "POST"; $0.body = Array("x".utf8) }
        }
        #expect(report.failure?.delivery == .maybeProcessed)
        #expect(report.explanation.contains("--idempotency-key"))
    }

    @Test func watchThatEndsAfterItsDurationIsANormalEnd() async throws {
        let report = try await FaultServer.with(.stream(events: 3, interval: .milliseconds(40))) { server in
            await Self.probe(server.url("/watch")) { $0.watch = .milliseconds(100) }
        }
        // probe-json.md: a success is kind ok, decision null; the attempt and the explanation say how it ended.
        #expect(report.kindID == "ok")
        #expect(report.json().contains(#""outcome": "success", "status": 200, "kind": "ok", "decision": null"#))
        #expect(report.attempts.last?.kind == "stream.ended")
        #expect(report.failure?.decision == .reconnect)
        #expect(report.explanation.contains("stream.ended, reconnect"))
        #expect(report.exitCode == 0)
        // One attempt: a retry could take the pooled connection the server was closing, and end as
        // connection.closed (it did once in CI), which is not what this test is about.
        let early = try await FaultServer.with(.stream(events: 1, interval: .milliseconds(10))) { server in
            await Self.probe(server.url("/watch")) { $0.watch = .seconds(30); $0.maximumAttempts = 1 }
        }
        #expect(early.kindID == "stream.endedEarly")
        #expect(early.exitCode == 1)
    }

    /// The overall --timeout cutting an attempt short: that attempt and the explanation name the deadline,
    /// where they said `cancelled: decision stop is not retried` (found by a black-box check).
    @Test func aDeadlineThatCutsAnAttemptNamesTheDeadline() async throws {
        let report = try await FaultServer.with(.stall) { server in
            await Self.probe(server.url()) { $0.timeout = .milliseconds(500); $0.attemptTimeout = .seconds(5); $0.readTimeout = .seconds(5) }
        }
        #expect(report.kindID == "deadline.exceeded")
        #expect(report.attempts.last?.kind == "deadline.exceeded")
        #expect(report.attempts.last?.reason.contains("--timeout") == true)
        #expect(report.explanation.contains("--timeout"), "\(report.explanation)")
    }

    /// A 200 whose body trickles in faster than the read timeout: each attempt ends at --attempt-timeout,
    /// where before the first ran on until --timeout passed.
    @Test func aTricklingBodyEndsTheAttemptAtItsTimeout() async throws {
        let report = try await FaultServer.with(.trickleBody(status: 200, interval: .milliseconds(20))) { server in
            await Self.probe(server.url()) { $0.timeout = .seconds(20); $0.attemptTimeout = .milliseconds(300); $0.maximumAttempts = 2 }
        }
        #expect(report.attempts.map(\.kind) == ["attempt.timeout", "attempt.timeout"])
        #expect(report.kindID == "attempt.timeout")
        #expect(report.exitCode == 1)
    }

    @Test func stalledWatchIsStalled() async throws {
        let report = try await FaultServer.with(.chunkedStall) { server in
            // 1 s: the head must come before the read timeout, on a loaded machine too, for the silence after it to be a stall.
            await Self.probe(server.url("/watch")) { $0.watch = .seconds(30); $0.readTimeout = .seconds(1) }
        }
        #expect(report.kindID == "stream.stalled")
    }

    @Test func tlsFailuresAreDiagnosedExactly() async throws {
        let certificates = try TestCertificates()
        let tls = try TestCertificates.serverConfiguration(for: certificates.leaf(flaw: .expired))
        let report = try await FaultServer.with(.respond(status: 200), tls: tls) { server in
            await Self.probe("https://localhost:\(server.port)/") { $0.extraRootsPEM = certificates.ca.certificatePEM }
        }
        #expect(report.kindID == "tls.certificateExpired")
        #expect(report.failure?.delivery == .notSent)
        let trusted = try await FaultServer.with(.respond(status: 200), tls: try TestCertificates.serverConfiguration(for: certificates.leaf())) { server in
            await Self.probe("https://localhost:\(server.port)/") { $0.extraRootsPEM = certificates.ca.certificatePEM }
        }
        #expect(trusted.exitCode == 0)
    }
}

@Suite struct ProbeOptionsTests {
    @Test func headersAreParsedAndValidated() throws {
        let header = try ProbeOptions.header("X-Thing:  value ")
        #expect(header.name == "X-Thing" && header.value == "value")
        #expect(throws: ProbeOptions.UsageError.self) { try ProbeOptions.header("no colon") }
        #expect(throws: ProbeOptions.UsageError.self) { try ProbeOptions.header("Bad Name: x") }
    }

    @Test func usageErrorsNeverEchoSecrets() {
        do {
            _ = try ProbeOptions.header("Authorization Bearer secretvalue")
            Issue.record("a header without a colon was accepted")
        } catch {
            #expect(!String(describing: error).contains("secretvalue"))
        }
    }

    @Test func secondsMustBePositiveAndBounded() throws {
        #expect(try ProbeOptions.seconds(1.5, flag: "--timeout") == .milliseconds(1500))
        for bad in [0, -1, .infinity, .nan, 1e9] as [Double] {
            #expect(throws: ProbeOptions.UsageError.self) { try ProbeOptions.seconds(bad, flag: "--timeout") }
        }
    }

    @Test func caCertificatesMustBeReadablePEM() throws {
        #expect(throws: ProbeOptions.UsageError.self) { try ProbeOptions.caCertificates(path: "/nonexistent/ca.pem") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("triage-not-pem-\(UUID()).txt").path
        FileManager.default.createFile(atPath: path, contents: Data("hello".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ProbeOptions.UsageError.self) { try ProbeOptions.caCertificates(path: path) }
    }
}

@Suite struct ProbeRetryTests {
    /// A server that fails the first `failures` requests with `failure`, then answers 200.
    static func flaky(failures: Int, _ failure: FaultBehaviour) -> (FaultBehaviour, Counter) {
        let counter = Counter()
        let behaviour = FaultBehaviour.route { _, _ in counter.increment() <= failures ? failure : .respond(status: 200, body: "ok") }
        return (behaviour, counter)
    }

    @Test func retriesUntilSuccessAndExplainsEachAttempt() async throws {
        let (behaviour, counter) = Self.flaky(failures: 2, .respond(status: 503, headers: [("Retry-After", "0")]))
        let report = try await FaultServer.with(behaviour) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.maximumAttempts = 4 }
        }
        #expect(report.succeeded)
        #expect(counter.count == 3)
        #expect(report.attempts.map(\.kind) == ["http.unavailable", "http.unavailable", "ok"])
        // Retry-After: 0 plus the jitter a named delay gets on top (at most the backoff's 100 ms base).
        #expect((0...0.1).contains(report.attempts[0].delaySeconds ?? -1))
        #expect(report.attempts[0].reason.contains("Retry-After"))
        #expect(report.explanation == "succeeded on attempt 3")
    }

    @Test func aPostAfterAResetIsNotResentWithoutAnIdempotencyKey() async throws {
        let (behaviour, counter) = Self.flaky(failures: 1, .resetAfterRequest)
        let report = try await FaultServer.with(behaviour) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.method = "POST"; $0.body = Array("x".utf8); $0.maximumAttempts = 3 }
        }
        #expect(!report.succeeded)
        #expect(report.kindID == "connection.reset")
        #expect(counter.count == 1)

        let (keyed, keyedCounter) = Self.flaky(failures: 1, .resetAfterRequest)
        let retried = try await FaultServer.with(keyed) { server in
            await ProbeRunnerTests.probe(server.url()) {
                $0.method = "POST"; $0.body = Array("x".utf8); $0.maximumAttempts = 3; $0.idempotencyKey = "key-1"
            }
        }
        #expect(retried.succeeded)
        #expect(keyedCounter.count == 2)
    }

    @Test func permanentFailuresStopAtTheFirstAttempt() async throws {
        let (behaviour, counter) = Self.flaky(failures: 5, .respond(status: 404))
        let report = try await FaultServer.with(behaviour) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.maximumAttempts = 5 }
        }
        #expect(counter.count == 1)
        #expect(report.attempts.count == 1)
        #expect(report.explanation.contains("not retried"))
    }
}

final class Counter: Sendable {
    private let value = LockedValue(0)
    @discardableResult func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

/// The probe's hint follows the engine's resend rule.
@Suite struct ProbeResendHintTests {
    @Test func aPostAnswered500IsNotSafeToResendAndA503Is() async throws {
        let hint = "not safe to resend without --idempotency-key"
        let five = try await FaultServer.with(.respond(status: 500)) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.method = "POST"; $0.maximumAttempts = 1 }
        }
        #expect(five.explanation.contains(hint), "\(five.explanation)")
        let unavailable = try await FaultServer.with(.respond(status: 503)) { server in
            await ProbeRunnerTests.probe(server.url()) { $0.method = "POST"; $0.maximumAttempts = 1 }
        }
        #expect(!unavailable.explanation.contains(hint), "\(unavailable.explanation)")
    }
}
