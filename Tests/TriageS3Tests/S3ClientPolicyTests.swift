import Foundation
import NIOCore
import Testing
import Triage
import TriageTestKit
@testable import TriageS3

/// The pipeline's breaker in front of an S3 endpoint (time on a manual clock), downloads in bulk and
/// presigned URLs from the client.
struct S3ClientPolicyTests {
    @Test func aBreakerOpensOnADownEndpointAndProbesAfterItsOpenTime() async throws {
        let clock = ManualClock()
        let down = Counter()
        let transport = S3SimulatedTransport { _, _ in down.count < 3 ? .refused : .respond() }
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(3), openDuration: .seconds(10)))
        let pipeline = Pipeline(clock: clock, retry: .never, breaker: breaker)
        let client = S3Client(endpoint: Simulated.endpoint, credentials: Simulated.credentials, pipeline: pipeline, transport: transport)
        for _ in 0..<3 {
            let failure = try #require(await failure { try await client.deleteObject(bucket: "b", key: "k") })
            #expect(failure.kind == .connectRefused)
            down.increment()
        }
        let rejected = try #require(await failure { try await client.deleteObject(bucket: "b", key: "k") })
        #expect(rejected.kind == .circuitOpen)
        #expect(rejected.s3.operation == .deleteObject, "a rejection carries its S3 context too")
        #expect(transport.requests.count == 3, "an open breaker sends nothing")
        clock.advance(by: .seconds(10))
        try await client.deleteObject(bucket: "b", key: "k")
        #expect(transport.requests.count == 4)
    }

    @Test func getManyStoresEachObjectAndReportsTheMissing() async throws {
        let transport = S3SimulatedTransport { request, _ in
            request.path.hasSuffix("/gone") ? .error(code: "NoSuchKey", status: 404) : .respond(body: "body of \(request.path)")
        }
        let stored = StoredBodies()
        let report = await Simulated.client(transport).getMany(bucket: "b", keys: ["x", "gone", "y"], concurrency: 2) { key, body in
            stored.put(key, String(buffer: body))
        }
        #expect(report.succeeded == 2 && report.failures.map(\.key) == ["gone"])
        #expect(report.failures.first?.failure?.s3.isNotFound == true)
        #expect(stored.all == ["x": "body of /b/x", "y": "body of /b/y"])
    }

    @Test func aPresignedURLMatchesTheSigner() throws {
        var client = Simulated.client(S3SimulatedTransport.script([]))
        client.wallClock = { Date(timeIntervalSince1970: 1_767_323_045) }
        let url = client.presignedURL(bucket: "b", key: "a b.txt", expires: .seconds(600))
        let request = SigV4Request(method: "GET", scheme: "http", authority: "127.0.0.1:9", path: "/b/a%20b.txt")
        let expected = SigV4Signer(credentials: Simulated.credentials).presignedURL(for: request, expires: .seconds(600),
                                                                                    date: Date(timeIntervalSince1970: 1_767_323_045))
        #expect(url == expected)
        #expect(url.contains("X-Amz-Expires=600") && !url.contains(Simulated.credentials.secretAccessKey))
    }
}

/// Bodies a bulk download stored, by key.
final class StoredBodies: Sendable {
    private let bodies = LockedValue<[String: String]>([:])
    func put(_ key: String, _ body: String) { bodies.withLock { $0[key] = body } }
    var all: [String: String] { bodies.withLock { $0 } }
}

