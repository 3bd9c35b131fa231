import Foundation
import Logging
import Triage
@testable import TriageS3

enum Simulated {
    static let credentials = S3Credentials(accessKeyID: "AKIDSIMULATED", secretAccessKey: "simulated-secret")
    static let endpoint = S3Endpoint(scheme: "http", host: "127.0.0.1", port: 9)

    /// `attempts` attempts 1 ms apart, no budget or breaker.
    static func pipeline(attempts: Int = 3) -> Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(),
                 retry: RetryPolicy(maximumAttempts: attempts, backoff: Backoff(.constant, base: .milliseconds(1), cap: .milliseconds(1))),
                 deadline: .seconds(20))
    }

    static func client(_ transport: S3SimulatedTransport, attempts: Int = 3, logger: Logger? = nil) -> S3Client<ContinuousClock> {
        S3Client(endpoint: endpoint, credentials: credentials, pipeline: pipeline(attempts: attempts), transport: transport, logger: logger)
    }

    /// The credential scope's region of a signed request.
    static func signingRegion(_ request: SigV4Request) -> String? {
        guard let authorization = request.header("Authorization"), let range = authorization.range(of: "Credential=") else { return nil }
        let parts = authorization[range.upperBound...].split(separator: "/")
        return parts.count > 2 ? String(parts[2]) : nil
    }
}

/// Runs `body` and returns the failure it threw, or `nil`.
func failure(of body: () async throws -> Void) async -> Failure? {
    do {
        try await body()
        return nil
    } catch let failure as Failure {
        return failure
    } catch {
        Issue.record("not a Failure: \(error)")
        return nil
    }
}

import Testing
