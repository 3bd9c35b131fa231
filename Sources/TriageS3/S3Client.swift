import AsyncHTTPClient
import Foundation
import Logging
import Triage
import TriageHTTP

/// A small S3 client whose failures are handled the Triage way.
///
/// - Every request is signed with Signature Version 4 at each attempt (a retry carries a fresh date;
///   after `RequestTimeTooSkewed` the clock offset the server's `Date` shows is applied).
/// - Requests run through ``pipeline``: retries with jittered backoff inside its budget, its breaker,
///   its deadlines. S3's own retryable 4xx codes are retried as botocore retries them
///   (``S3ErrorCodes``); other client errors are not.
/// - Every failure is a ``Triage/Failure``; ``Triage/Failure/s3`` gives its S3 view with the operation,
///   bucket and key.
/// - S3's redirects (`PermanentRedirect`, a 301 without `Location`, `x-amz-bucket-region`, a 400
///   `AuthorizationHeaderMalformed` naming a `<Region>`) are followed once, by signing for the region S3
///   names; a redirect that names none is re-addressed by the region HeadBucket's `x-amz-bucket-region`
///   names, else it is an `s3.redirect` failure.
/// - Each operation logs at debug level (warning when it fails for good) with `s3.operation`,
///   `s3.bucket`, `s3.key`, `s3.code`, `http.status` and `s3.request_id`, and counts
///   `triage_s3_operations_total{operation, outcome}` (``S3Metrics``).
///
/// ```swift
/// try await S3Client.withClient(endpoint: try S3Endpoint(url: "http://127.0.0.1:9000"), credentials: credentials) { s3 in
///     try await s3.putObject(bucket: "photos", key: "a.jpg", body: ByteBuffer(bytes: data))
/// }
/// ```
public struct S3Client<C: Clock>: Sendable where C.Duration == Duration {
    public let endpoint: S3Endpoint
    /// The region requests are signed for (default `us-east-1`).
    public let region: String
    public let credentials: S3Credentials
    /// Called for new credentials when S3 says the current ones expired (`ExpiredToken`); `nil`
    /// (default) means they cannot be refreshed, and an expired token is not retried.
    public var refreshCredentials: (@Sendable () async throws -> S3Credentials)?
    public let pipeline: Pipeline<C>
    public let transport: any S3Transport
    public var logger: Logger?
    /// Whether bodies are hashed into the signature (default `true`; `false` sends `UNSIGNED-PAYLOAD`).
    public var signsPayload: Bool
    /// The time requests are signed at (default the system's wall clock).
    public var wallClock: @Sendable () -> Date
    /// How 4xx/5xx responses become failures (64 KiB error bodies, Retry-After capped at 1 day).
    public var responseClassifier: HTTPResponseClassifier
    /// Transport errors' classifier (default AsyncHTTPClient's and NIO's errors).
    public var classifier: ClassifierChain
    let metrics: S3Metrics
    let state: S3ClientState

    public init(endpoint: S3Endpoint, region: String = "us-east-1", credentials: S3Credentials, pipeline: Pipeline<C>,
                transport: any S3Transport, logger: Logger? = nil, metrics: S3Metrics = S3Metrics()) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.pipeline = pipeline
        self.transport = transport
        self.logger = logger
        self.signsPayload = true
        self.wallClock = { Date() }
        self.responseClassifier = HTTPResponseClassifier()
        self.classifier = .asyncHTTPClient
        self.metrics = metrics
        self.state = S3ClientState(credentials: credentials)
    }
}

extension S3Client where C == ContinuousClock {
    /// Runs `body` with a client over a new AsyncHTTPClient (redirects and connection retries off,
    /// 30 s read timeout), shut down afterwards.
    ///
    /// - Parameter pipeline: default ``Triage/Pipeline/standard`` (3 attempts, budget, breaker, 30 s deadline).
    /// - Throws: ``Triage/ConfigurationError`` before anything starts when `pipeline` does not validate
    ///   (``Triage/Pipeline/validate()``); else what `body` throws.
    public static func withClient<T: Sendable>(
        endpoint: S3Endpoint, region: String = "us-east-1", credentials: S3Credentials,
        pipeline: Pipeline<ContinuousClock> = .standard, logger: Logger? = nil,
        _ body: (S3Client<ContinuousClock>) async throws -> T
    ) async throws -> T {
        try pipeline.validate()
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.httpConfiguration())
        let client = S3Client(endpoint: endpoint, region: region, credentials: credentials, pipeline: pipeline,
                              transport: S3HTTPClientTransport(httpClient: httpClient), logger: logger)
        let result: Result<T, any Error>
        do { result = .success(try await body(client)) } catch { result = .failure(error) }
        try await httpClient.shutdown()
        return try result.get()
    }

    /// AsyncHTTPClient's configuration for S3: no redirects followed (S3's are handled by the client),
    /// no connection-establishment retry (the pipeline retries), 30 s read timeout, 16 connections a host.
    public static func httpConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        configuration.timeout.read = .seconds(30)
        configuration.timeout.connect = .seconds(5)
        return configuration
    }
}
