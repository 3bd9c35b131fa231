import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing
import Triage
import TriageChaos
import TriageHTTP

/// Deadlines hold through the error-body read; a single-pass request body is never sent twice.
@Suite(.serialized) struct DeadlineAndStreamingBodyTests {
    /// A 503 whose 1 MiB body trickles a byte every 300 ms, under a 1 s deadline: the call ends near the deadline.
    @Test func aTricklingErrorBodyIsBoundedByTheDeadline() async throws {
        let server = try await FaultServer.start(.trickleBody(status: 503, interval: .milliseconds(300)))
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .standard, deadline: .seconds(1))
        // The call alone is timed: starting and shutting down the HTTPClient is not part of it.
        let (failure, elapsed) = try await ResilientHTTPClient.withClient(pipeline: pipeline) { client in
            let started = ContinuousClock.now
            let failure = await captureFailure { try await client.execute(HTTPClientRequest(url: server.url())) }
            return (failure, started.duration(to: .now))
        }
        await server.shutdown()
        #expect(failure != nil)
        // Unbounded, the read would last about 87 hours (1 MiB at a byte per 300 ms): ending within 60 s shows it
        // was cut at the 1 s deadline. Unloaded the call takes about 1.1 s; the slack is for a 2-core machine
        // running the whole suite in parallel, where it took 14 s once (CI, stop 24). Speed is a benchmark's.
        #expect(elapsed < .seconds(60), "the call took \(elapsed) under a 1 s deadline")
    }

    /// Hedging would send a second copy of a slow request; a streaming body can be sent only once.
    @Test func aStreamingBodyIsNeverHedged() async throws {
        let counter = Counter()
        let slow = FaultBehaviour.route { _, _ in
            counter.increment()
            return .stream(events: 4, interval: .milliseconds(50))
        }
        var pipeline = TestPipelines.fast()
        pipeline.hedging = HedgingPolicy(delay: .fixed(.milliseconds(10)), maximumHedges: 2)
        let hedged = pipeline
        try await FaultServer.with(slow) { server in
            try await ResilientHTTPClient.withClient(pipeline: hedged) { client in
                var request = HTTPClientRequest(url: server.url("/slow"))
                request.method = .PUT
                let chunks = AsyncStream<ByteBuffer> { continuation in
                    continuation.yield(ByteBuffer(string: "abc"))
                    continuation.finish()
                }
                let response = try await client.execute(request, body: .stream(.stream(chunks, length: .known(Int64(3)))))
                #expect(response.status == .ok)
            }
        }
        #expect(counter.count == 1)
    }

    /// The same slow exchange with a buffered body is hedged (the test above would pass vacuously if
    /// the server were not slow enough to hedge).
    @Test func aBufferedBodyOfTheSameSlowExchangeIsHedged() async throws {
        let counter = Counter()
        let slow = FaultBehaviour.route { _, _ in
            counter.increment()
            return .stream(events: 4, interval: .milliseconds(50))
        }
        var pipeline = TestPipelines.fast()
        pipeline.hedging = HedgingPolicy(delay: .fixed(.milliseconds(10)), maximumHedges: 2)
        let hedged = pipeline
        try await FaultServer.with(slow) { server in
            try await ResilientHTTPClient.withClient(pipeline: hedged) { client in
                var request = HTTPClientRequest(url: server.url("/slow"))
                request.method = .PUT
                _ = try await client.execute(request, body: .text("abc"))
            }
        }
        #expect(counter.count > 1)
    }
}
