import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing
import Triage
import TriageChaos
import TriageHTTP
import TriageTestKit

/// The client against real loopback servers (TriageChaos FaultServer).
@Suite(.serialized) struct ResilientHTTPClientTests {
    static func request(_ url: String, _ method: HTTPMethod = .GET) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        return request
    }

    @Test func successReturnsTheWholeBody() async throws {
        try await FaultServer.with(.respond(status: 200, body: "hello")) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let response = try await client.execute(Self.request(server.url()))
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "hello")
            }
        }
    }

    @Test func getIsRetriedAfterAReset() async throws {
        let (behaviour, counter) = flaky(failures: 1, .resetAfterRequest)
        let records = Records()
        try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(records: records)) { client in
                let response = try await client.execute(Self.request(server.url()))
                #expect(response.status == .ok)
            }
        }
        #expect(counter.count == 2)
        #expect(records.all.first?.kind == .connectionReset)
        #expect(records.all.first?.action == .retry)
    }

    @Test func postAfterAResetIsNotRetried() async throws {
        let (behaviour, counter) = flaky(failures: 1, .resetAfterRequest)
        let failure = try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                await captureFailure { try await client.execute(Self.request(server.url(), .POST), body: .text("x")) }
            }
        }
        #expect(counter.count == 1)
        #expect(failure?.kind == .connectionReset)
        #expect(failure?.delivery == .maybeProcessed)
        #expect(failure?.history.last?.reason.contains("not idempotent") == true)
    }

    @Test func postWithAnIdempotencyKeyIsRetried() async throws {
        let (behaviour, counter) = flaky(failures: 1, .resetAfterRequest)
        try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                var request = Self.request(server.url(), .POST)
                request.headers.add(name: "Idempotency-Key", value: "k-1")
                let response = try await client.execute(request, body: .text("payload"))
                #expect(response.status == .ok)
            }
        }
        #expect(counter.count == 2)
    }

    @Test func aGeneratedIdempotencyKeyMakesPostRetryable() async throws {
        let (behaviour, counter) = flaky(failures: 1, .resetAfterRequest)
        let options = try ResilientHTTPClientOptions(generatesIdempotencyKeys: true)
        try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(), options: options) { client in
                let response = try await client.execute(Self.request(server.url(), .PATCH), body: .text("payload"))
                #expect(response.status == .ok)
            }
        }
        #expect(counter.count == 2)
    }

    @Test func aStreamingBodyIsSentOnce() async throws {
        let (behaviour, counter) = flaky(failures: 1, .respond(status: 503))
        let failure = try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let chunks = AsyncStream<ByteBuffer> { continuation in
                    continuation.yield(ByteBuffer(string: "abc"))
                    continuation.finish()
                }
                return await captureFailure {
                    try await client.execute(Self.request(server.url(), .PUT), body: .stream(.stream(chunks, length: .known(Int64(3)))))
                }
            }
        }
        #expect(counter.count == 1)
        #expect(failure?.kind == .httpUnavailable)
    }

    @Test func aBufferedBodyIsReplayed() async throws {
        let (behaviour, counter) = flaky(failures: 2, .respond(status: 503))
        try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let response = try await client.execute(Self.request(server.url(), .PUT), body: .text("abc"))
                #expect(response.status == .ok)
            }
        }
        #expect(counter.count == 3)
    }

    @Test func retryAfterIsHonouredOnTheManualClock() async throws {
        let clock = ManualClock()
        let records = Records()
        let pipeline = Pipeline(clock: clock, retry: .standard, observer: { records.append($0) })
        let (behaviour, counter) = flaky(failures: 1, .respond(status: 429, headers: [("Retry-After", "7")]))
        try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { client in
                let call = Task { try await client.execute(Self.request(server.url())) }
                await clock.waitForSleepers(1)
                #expect(counter.count == 1)
                let first = try #require(records.all.first)
                #expect(first.kind == .httpThrottled)
                let delay = try #require(first.delay)
                #expect(delay >= .seconds(7) && delay <= .milliseconds(7700), "\(delay)")
                #expect(first.delaySource == .retryAfter)
                clock.advance(by: delay)
                let response = try await call.value
                #expect(response.status == .ok)
            }
        }
        #expect(counter.count == 2)
    }

    @Test func aRetryAfterAboveTheCapEndsWithTheDelay() async throws {
        let (behaviour, counter) = flaky(failures: 5, .respond(status: 503, headers: [("Retry-After", "120")]))
        let failure = try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                await captureFailure { try await client.execute(Self.request(server.url())) }
            }
        }
        #expect(counter.count == 1)
        #expect(failure?.decision == .retryAfter)
        #expect(failure?.retryAfter == .seconds(120))
    }

    @Test func theAttemptTimeoutIsPassedOn() async throws {
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(20), attemptTimeout: .milliseconds(300))
        let failure = try await FaultServer.with(.stall) { server in
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { client in
                await captureFailure { try await client.execute(Self.request(server.url())) }
            }
        }
        #expect(failure?.kind == .attemptTimeout)
    }

    @Test func aBufferedBodyStopsAtTheAttemptDeadline() async throws {
        // Cooperative timeouts: AHC's deadline ends at the head; the buffered read checks it between chunks.
        // The head comes at once, the body takes 3 s: a 1 s attempt timeout falls inside the body, on a loaded
        // machine too.
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(20), attemptTimeout: .seconds(1),
                                timeoutEnforcement: .cooperative)
        let failure = try await FaultServer.with(.stream(events: 60, interval: .milliseconds(50))) { server in
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { client in
                await captureFailure { try await client.execute(Self.request(server.url("/slow"))) }
            }
        }
        #expect(failure?.kind == .attemptTimeout)
        #expect(failure?.delivery == .processed)
    }

    @Test func theStandardPipelineHandsTimeoutsToAsyncHTTPClient() {
        let pipeline = ResilientHTTPClient.standardPipeline
        #expect(pipeline.timeoutEnforcement == .cooperative)
        #expect(pipeline.deadline == .seconds(30))
        #expect(pipeline.attemptTimeout == .seconds(10))
    }

    @Test func aStalledBodyHitsTheIdleTimeout() async throws {
        let options = try ResilientHTTPClientOptions(idleTimeout: .milliseconds(200))
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(20))
        let failure = try await FaultServer.with(.chunkedStall) { server in
            try await ResilientHTTPClient.withClient(pipeline: pipeline, options: options) { client in
                await captureFailure {
                    try await client.execute(Self.request(server.url())) { response in
                        for try await _ in response.body {}
                    }
                }
            }
        }
        #expect(failure?.kind == .responseTimeout)
    }

    @Test func aStreamedBodyArrivesInChunks() async throws {
        try await FaultServer.with(.stream(events: 4, interval: .milliseconds(5))) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let lines = try await client.execute(Self.request(server.url("/watch"))) { response in
                    var text = ""
                    for try await chunk in response.body { text += String(buffer: chunk) }
                    return text.split(separator: "\n").count
                }
                #expect(lines == 4)
            }
        }
    }

    @Test func aTruncatedBodyIsRetriedForAGet() async throws {
        let (behaviour, counter) = flaky(failures: 1, .truncatedBody(declared: 100, sent: 10))
        try await FaultServer.with(behaviour) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let response = try await client.execute(Self.request(server.url()))
                #expect(String(buffer: response.body) == "ok")
            }
        }
        #expect(counter.count == 2)
    }

    /// The parser reports an EOF inside the head like one inside a body; before a head it is a closed connection.
    @Test func aConnectionClosedInsideTheHeadIsClosedNotIncomplete() async throws {
        try await FaultServer.with(.headCutShort) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(attempts: 1)) { client in
                let failure = await captureFailure { try await client.execute(Self.request(server.url(), .POST), body: .text("x")) }
                #expect(failure?.kind == .connectionClosed)
                #expect(failure?.delivery == .maybeProcessed)
            }
        }
    }

    @Test func aBodyAboveTheLimitIsTooLarge() async throws {
        try await FaultServer.with(.respond(status: 200, body: String(repeating: "x", count: 1000))) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let failure = await captureFailure { try await client.execute(Self.request(server.url()), maximumBodySize: 100) }
                #expect(failure?.kind == .responseTooLarge)
            }
        }
    }

    @Test func refusedIsNotSentAndRetriedEvenForPost() async throws {
        let port = try LoopbackSockets.closedPort()
        let records = Records()
        try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(attempts: 2, records: records)) { client in
            let failure = await captureFailure { try await client.execute(Self.request("http://127.0.0.1:\(port)/", .POST), body: .text("x")) }
            #expect(failure?.kind == .connectRefused)
            #expect(failure?.delivery == .notSent)
        }
        #expect(records.all.count == 2)
    }

    @Test func badOptionsAreATypedError() {
        #expect(throws: ConfigurationError.self) { try ResilientHTTPClientOptions(maximumErrorBodySize: -1) }
        #expect(throws: ConfigurationError.self) { try ResilientHTTPClientOptions(idleTimeout: .zero) }
        #expect(throws: ConfigurationError.self) { try ResilientHTTPClientOptions(idempotencyKeyHeader: "Bad Header") }
    }

    /// Policies are plain values adjusted after they are made: the client checks the pipeline it is given
    /// before it starts, so a copy adjusted into nonsense is refused, not run.
    @Test func aClientRefusesAPipelineThatDoesNotValidate() async {
        var pipeline = Pipeline.standard
        pipeline.retry.maximumAttempts = 0
        await #expect(throws: ConfigurationError.self) {
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { _ in Issue.record("the client started") }
        }
        pipeline.retry.maximumAttempts = 3
        pipeline.deadline = .zero
        await #expect(throws: ConfigurationError.self) {
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { _ in Issue.record("the client started") }
        }
    }
}
