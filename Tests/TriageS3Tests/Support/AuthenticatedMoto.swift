import AsyncHTTPClient
import Foundation
import Triage
import TriageS3
import TriageTestSupport

/// moto with signature checking on, and an IAM user whose policy the test chooses.
struct AuthenticatedMoto: Sendable {
    let moto: MotoServer
    let credentials: S3Credentials

    var endpoint: S3Endpoint { S3Endpoint(scheme: "http", host: "127.0.0.1", port: moto.port) }

    static func with(policy: String = MotoIAM.policy(), _ body: (AuthenticatedMoto) async throws -> Void) async throws {
        try await MotoServer.with(environment: MotoIAM.authenticatingEnvironment) { moto in
            let key = try await MotoIAM.createUser(on: moto, policy: policy)
            try await body(AuthenticatedMoto(moto: moto, credentials: S3Credentials(accessKeyID: key.accessKeyID, secretAccessKey: key.secretAccessKey)))
        }
    }

    /// A client for `endpoint` (default moto itself), 4 attempts 10 ms apart, a 30 s deadline.
    func withClient(endpoint: S3Endpoint? = nil, credentials: S3Credentials? = nil, configuration: HTTPClient.Configuration = S3Client.httpConfiguration(),
                    pipeline: Pipeline<ContinuousClock>? = nil, _ body: (S3Client<ContinuousClock>) async throws -> Void) async throws {
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let client = S3Client(endpoint: endpoint ?? self.endpoint, credentials: credentials ?? self.credentials,
                              pipeline: pipeline ?? Self.pipeline(), transport: S3HTTPClientTransport(httpClient: httpClient))
        do {
            try await body(client)
        } catch {
            try await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    static func pipeline(attempts: Int = 4) -> Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(),
                 retry: RetryPolicy(maximumAttempts: attempts, backoff: Backoff(.fullJitter, base: .milliseconds(10), cap: .milliseconds(50))),
                 deadline: .seconds(30), attemptTimeout: .seconds(15))
    }
}
