import AsyncHTTPClient
import Testing
import Triage
import TriageChaos
import TriageHTTP

/// Error bodies that must not crash, hang or blow memory: they fall back to the status alone.
@Suite(.serialized) struct HostileErrorBodyTests {
    static let bodies: [(String, String)] = [
        ("billion laughs", #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Error><Code>&lol2;</Code></Error>"#),
        ("external entity", #"<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><Error><Code>&x;</Code></Error>"#),
        ("deep XML", String(repeating: "<Error>", count: 3_000) + String(repeating: "</Error>", count: 3_000)),
        ("deep JSON", String(repeating: #"{"kind":"#, count: 5_000) + "1" + String(repeating: "}", count: 5_000)),
        ("oversized", "<Error><Code>SlowDown</Code><Message>" + String(repeating: "a", count: 200_000) + "</Message></Error>"),
        ("truncated", #"<Error><Code>NoSuchKey</Code><Message>cut"#),
        ("not a document", "\u{0}\u{1}\u{2} binary-ish garbage"),
    ]

    @Test(arguments: bodies)
    func theStatusDecides(name: String, body: String) async throws {
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(10))
        let failure = try await FaultServer.with(.respond(status: 404, body: body)) { server in
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { client in
                await captureFailure { try await client.execute(HTTPClientRequest(url: server.url())) }
            }
        }
        #expect(failure?.kind == .httpNotFound, "\(name)")
        #expect(failure?.api == nil, "\(name)")
    }

    @Test func theErrorBodyIsReadOnlyUpToTheLimit() async throws {
        let options = try ResilientHTTPClientOptions(maximumErrorBodySize: 64)
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(10))
        let small = "<Error><Code>NoSuchKey</Code></Error>"
        let large = "<Error><Code>NoSuchKey</Code><Message>" + String(repeating: "m", count: 100) + "</Message></Error>"
        for (body, decoded) in [(small, true), (large, false)] {
            let failure = try await FaultServer.with(.respond(status: 404, body: body)) { server in
                try await ResilientHTTPClient.withClient(pipeline: pipeline, options: options) { client in
                    await captureFailure { try await client.execute(HTTPClientRequest(url: server.url())) }
                }
            }
            #expect(failure?.kind == .httpNotFound)
            #expect((failure?.s3Error != nil) == decoded, "\(body.count) bytes against a 64-byte limit")
        }
    }
}
