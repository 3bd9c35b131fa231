import Foundation
import InMemoryLogging
import Logging
import NIOCore
import Testing
import Triage
@testable import TriageS3

/// The client meeting S3's errors through ``S3SimulatedTransport``: typed as the seed lists them,
/// retried as botocore retries them.
struct S3ClientErrorTests {
    @Test func noSuchKeyIsNotFoundWithItsContextAndIsNotRetried() async throws {
        let transport = S3SimulatedTransport.failing(5, with: .error(code: "NoSuchKey", status: 404, message: "The specified key does not exist."))
        let found = await failure { _ = try await Simulated.client(transport).getObject(bucket: "photos", key: "a/b.jpg") }
        let failure = try #require(found)
        #expect(transport.requests.count == 1)
        #expect(failure.kind == .httpNotFound)
        #expect(failure.s3.isNotFound && failure.s3.isClientError && !failure.s3.isServerError)
        #expect(!failure.s3.isAccessDenied && !failure.s3.isThrottled && !failure.s3.isInvalidRequest)
        #expect(failure.s3.code == "NoSuchKey")
        #expect(failure.s3.message == "The specified key does not exist.")
        #expect(failure.s3.status == 404)
        #expect(failure.s3.requestID == "SIM0000000000000")
        #expect(failure.s3.hostID == "simulated")
        #expect(failure.s3.operation == .getObject)
        #expect(failure.s3.bucket == "photos")
        #expect(failure.s3.key == "a/b.jpg")
    }

    /// A HEAD's error has no body: its ids come from the `x-amz-request-id` and `x-amz-id-2` headers.
    @Test func aBodylessErrorTakesItsIdsFromTheHeaders() async throws {
        let transport = S3SimulatedTransport.failing(5, with: .respond(status: 404, headers: [("x-amz-request-id", "HDRREQ"),
                                                                                               ("x-amz-id-2", "HDRHOST")]))
        let found = await failure { _ = try await Simulated.client(transport).headObject(bucket: "b", key: "k") }
        let failure = try #require(found)
        #expect(failure.s3.isNotFound)
        #expect(failure.s3.code == nil)
        #expect(failure.s3.requestID == "HDRREQ")
        #expect(failure.s3.hostID == "HDRHOST")
    }

    @Test(arguments: [
        ("AccessDenied", 403, "accessDenied"), ("InvalidArgument", 400, "invalidRequest"), ("MalformedXML", 400, "invalidRequest"),
        ("NoSuchBucket", 404, "notFound"), ("BucketNotEmpty", 409, "client"),
    ])
    func clientErrorsAreTypedAndNotRetried(code: String, status: Int, expected: String) async throws {
        let transport = S3SimulatedTransport.failing(5, with: .error(code: code, status: status))
        let found = await failure { try await Simulated.client(transport).putObject(bucket: "b", key: "k", body: ByteBuffer(string: "x")) }
        let failure = try #require(found)
        #expect(transport.requests.count == 1, "\(code) is not retried")
        #expect(failure.s3.isClientError)
        #expect(failure.s3.isAccessDenied == (expected == "accessDenied"))
        #expect(failure.s3.isInvalidRequest == (expected == "invalidRequest"))
        #expect(failure.s3.isNotFound == (expected == "notFound"))
        #expect(failure.s3.operation == .putObject)
    }

    /// botocore's throttling and transient codes are retried, 4xx statuses included.
    @Test(arguments: [
        ("SlowDown", 503), ("ThrottlingException", 400), ("RequestLimitExceeded", 400), ("PriorRequestNotComplete", 400),
        ("RequestTimeout", 400), ("RequestTimeoutException", 400), ("InternalError", 500), ("ServiceUnavailable", 503),
    ])
    func retryableCodesAreRetried(code: String, status: Int) async throws {
        let transport = S3SimulatedTransport.failing(2, with: .error(code: code, status: status))
        try await Simulated.client(transport).putObject(bucket: "b", key: "k", body: ByteBuffer(string: "x"))
        #expect(transport.requests.count == 3)
    }

    @Test(arguments: ["SlowDown", "ThrottlingException", "Throttling", "RequestLimitExceeded", "PriorRequestNotComplete"])
    func throttlingCodesAreThrottled(code: String) async throws {
        let transport = S3SimulatedTransport.failing(9, with: .error(code: code, status: 400))
        let failure = try #require(await failure { _ = try await Simulated.client(transport, attempts: 2).headObject(bucket: "b", key: "k") })
        #expect(failure.s3.isThrottled)
        #expect(failure.kind == .httpThrottled)
        #expect(transport.requests.count == 2, "retried until the attempts ran out")
    }

    @Test func aServerErrorIsAServerError() async throws {
        let transport = S3SimulatedTransport.failing(9, with: .error(code: "InternalError", status: 500))
        let failure = try #require(await failure { try await Simulated.client(transport, attempts: 2).deleteObject(bucket: "b", key: "k") })
        #expect(failure.s3.isServerError && !failure.s3.isClientError)
        #expect(failure.isRetryable)
    }

    @Test func aResetIsRetriedAndEachAttemptIsSignedAgain() async throws {
        let transport = S3SimulatedTransport.failing(1, with: .reset)
        var client = Simulated.client(transport)
        let clock = Ticker()
        client.wallClock = { clock.tick() }
        try await client.putObject(bucket: "b", key: "k", body: ByteBuffer(string: "x"))
        let dates = transport.requests.compactMap { $0.header("X-Amz-Date") }
        #expect(dates.count == 2)
        #expect(Set(dates).count == 2, "the retry carries a new date and signature")
    }

    @Test func anExpiredTokenIsRetriedOnlyWhenCredentialsRefresh() async throws {
        let expired = S3SimulatedTransport.failing(1, with: .error(code: "ExpiredToken", status: 400))
        #expect(await failure { try await Simulated.client(expired).deleteObject(bucket: "b", key: "k") } != nil)
        #expect(expired.requests.count == 1)

        let refreshing = S3SimulatedTransport.failing(1, with: .error(code: "ExpiredToken", status: 400))
        var client = Simulated.client(refreshing)
        client.refreshCredentials = { S3Credentials(accessKeyID: "AKIDFRESH", secretAccessKey: "fresh", sessionToken: "t2") }
        try await client.deleteObject(bucket: "b", key: "k")
        #expect(refreshing.requests.count >= 2)
    }

    @Test func clockSkewIsCorrectedFromTheServersDate() async throws {
        let serverDate = "Fri, 02 Jan 2026 04:04:05 GMT"  // an hour after the client's clock
        let transport = S3SimulatedTransport.failing(1, with: .error(code: "RequestTimeTooSkewed", status: 403, headers: [("Date", serverDate)]))
        var client = Simulated.client(transport)
        client.wallClock = { Date(timeIntervalSince1970: 1_767_323_045) }  // 2026-01-02T03:04:05Z
        try await client.deleteObject(bucket: "b", key: "k")
        #expect(transport.requests.map { $0.header("X-Amz-Date") } == ["20260102T030405Z", "20260102T040405Z"])
    }

    @Test func aPermanentRedirectIsFollowedOnceToTheRegionS3Names() async throws {
        let transport = S3SimulatedTransport.failing(1, with: .error(code: "PermanentRedirect", status: 301, headers: [("x-amz-bucket-region", "eu-west-1")]))
        try await Simulated.client(transport).deleteObject(bucket: "b", key: "k")
        #expect(transport.requests.map(Simulated.signingRegion) == ["us-east-1", "eu-west-1"])

        let loop = S3SimulatedTransport.failing(9, with: .error(code: "PermanentRedirect", status: 301, headers: [("x-amz-bucket-region", "eu-west-1")]))
        let failure = try #require(await failure { try await Simulated.client(loop).deleteObject(bucket: "b", key: "k") })
        #expect(failure.kind == .s3Redirect)
        #expect(loop.requests.count == 2, "re-addressed once, not again")
    }

    @Test func anOperationLogsWithContextAndAFinalFailureWarns() async throws {
        var handler = InMemoryLogHandler()
        handler.logLevel = .debug
        let logger = Logger(label: "s3-test") { _ in handler }
        let transport = S3SimulatedTransport.script([.respond(), .error(code: "NoSuchKey", status: 404)])
        let client = Simulated.client(transport, logger: logger)
        try await client.deleteObject(bucket: "b", key: "gone")
        _ = await failure { _ = try await client.getObject(bucket: "b", key: "missing") }
        let ok = try #require(handler.entries.first { $0.message == "s3.ok" })
        #expect(ok.level == .debug)
        #expect(ok.metadata["s3.operation"] == "DeleteObject")
        let failed = try #require(handler.entries.first { $0.message == "s3.failed" })
        #expect(failed.level == .warning)
        #expect(failed.metadata["s3.key"] == "missing")
        #expect(failed.metadata["s3.code"] == "NoSuchKey")
        #expect(failed.metadata["http.status"] == "404")
        #expect(failed.metadata["s3.request_id"] == "SIM0000000000001")
        #expect(!handler.entries.contains { "\($0.metadata)".contains("simulated-secret") })
    }
}


/// A wall clock that moves 7 s on every reading.
final class Ticker: Sendable {
    private let seconds = LockedValue(1_767_323_045.0)
    func tick() -> Date { Date(timeIntervalSince1970: seconds.withLock { $0 += 7; return $0 }) }
}

/// Redirect codes other than 301, and the metrics the client keeps.
struct S3ClientRedirectAndMetricsTests {
    @Test func aMalformedAuthorizationNamingARegionIsReaddressed() async throws {
        let body = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>wrong region</Message><Region>ap-south-1</Region></Error>"
        let transport = S3SimulatedTransport.script([.respond(status: 400, body: body)])
        try await Simulated.client(transport).deleteObject(bucket: "b", key: "k")
        #expect(transport.requests.map(Simulated.signingRegion) == ["us-east-1", "ap-south-1"])
    }

    @Test func aRedirectNamingNoRegionAsksHeadBucket() async throws {
        let transport = S3SimulatedTransport { request, number in
            if request.method == "HEAD" { return .respond(status: 301, headers: [("x-amz-bucket-region", "eu-central-1")]) }
            return number == 0 ? .error(code: "PermanentRedirect", status: 301) : .respond()
        }
        try await Simulated.client(transport).deleteObject(bucket: "b", key: "k")
        #expect(transport.requests.map(\.method) == ["DELETE", "HEAD", "DELETE"])
        #expect(transport.requests.map(Simulated.signingRegion).last == "eu-central-1")
    }

    @Test func operationsAreCountedByOperationAndOutcome() async throws {
        let metrics = TestMetrics()
        let transport = S3SimulatedTransport.script([.respond(), .respond(), .error(code: "NoSuchKey", status: 404)])
        let client = S3Client(endpoint: Simulated.endpoint, credentials: Simulated.credentials, pipeline: Simulated.pipeline(),
                              transport: transport, metrics: S3Metrics(factory: metrics))
        try await client.deleteObject(bucket: "b", key: "1")
        try await client.deleteObject(bucket: "b", key: "2")
        _ = await failure { _ = try await client.headObject(bucket: "b", key: "3") }
        #expect(try metrics.expectCounter("triage_s3_operations_total", [("operation", "DeleteObject"), ("outcome", "ok")]).totalValue == 2)
        #expect(try metrics.expectCounter("triage_s3_operations_total", [("operation", "HeadObject"), ("outcome", "http.notFound")]).totalValue == 1)
        #expect(try metrics.expectTimer("triage_s3_operation_duration_seconds", [("operation", "DeleteObject")]).values.count == 2)
    }
}

import MetricsTestKit
