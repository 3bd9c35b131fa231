import Foundation
import Testing
import Triage
import TriageChaos
import TriageS3

/// An S3 error body is read no longer than the attempt's time.
@Suite struct S3ErrorBodyDeadlineTests {
    @Test func aTricklingErrorBodyEndsAtTheAttemptDeadline() async throws {
        // A 503 whose 1 MiB body trickles a byte every 300 ms; the attempt has 1 s.
        let server = try await FaultServer.start(.trickleBody(status: 503, interval: .milliseconds(300)))
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(20), attemptTimeout: .seconds(1))
        let credentials = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
        let endpoint = try S3Endpoint(url: String(server.url().dropLast()))
        let result: (failure: Failure?, elapsed: Duration) = try await S3Client.withClient(endpoint: endpoint, credentials: credentials,
                                                                                          pipeline: pipeline) { s3 in
            let started = ContinuousClock.now
            do {
                _ = try await s3.getObject(bucket: "b", key: "k")
                return (nil, started.duration(to: .now))
            } catch {
                return (error as? Failure, started.duration(to: .now))
            }
        }
        let failure = result.failure
        let elapsed = result.elapsed
        await server.shutdown()
        #expect(failure?.status == 503)
        // Unbounded it would take days; bounded, about the 1 s attempt (60 s: slack for a loaded full run).
        #expect(elapsed < .seconds(60), "the call took \(elapsed) under a 1 s attempt timeout")
    }
}
