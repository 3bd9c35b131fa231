import Foundation
import NIOCore
import Testing
import Triage
import TriageTestSupport
@testable import TriageS3

/// The client against moto with signature checking on: every request must be signed right, and the
/// errors come back typed.
///
/// moto checks a signature against the request's *decoded* path and query, so it refuses (boto3's
/// too) a correctly signed request whose key has non-ASCII bytes or whose query has an encoded `/`;
/// those encodings are checked against botocore's signer instead (``SigV4BotocoreTests``), and the
/// keys and prefixes here avoid them.
@Suite(.enabled("python3 with moto[server] is not installed (scripts/install-test-deps.sh installs it)") { await MotoServer.isAvailable() })
struct S3MotoClientTests {
    static let policy = MotoIAM.policy(allowingS3ExceptPrefix: "denied/", bucket: "triage-ops")

    @Test func operationsRoundTripSignedAndErrorsAreTyped() async throws {
        try await AuthenticatedMoto.with(policy: Self.policy) { moto in
            try await moto.withClient { s3 in
                let bucket = "triage-ops"
                try await s3.createBucket(bucket)
                let etag = try await s3.putObject(bucket: bucket, key: "dir/hello world.txt", body: ByteBuffer(string: "hello"), contentType: "text/plain")
                #expect(etag?.isEmpty == false)
                let object = try await s3.getObject(bucket: bucket, key: "dir/hello world.txt")
                #expect(String(buffer: object.body) == "hello")
                #expect(object.head.contentType == "text/plain")
                let streamed = try await s3.getObject(bucket: bucket, key: "dir/hello world.txt") { _, body in
                    var count = 0
                    for try await chunk in body { count += chunk.readableBytes }
                    return count
                }
                #expect(streamed == 5)
                #expect(try await s3.headObject(bucket: bucket, key: "dir/hello world.txt").contentLength == 5)
                try await s3.copyObject(sourceBucket: bucket, sourceKey: "dir/hello world.txt", bucket: bucket, key: "copy/hello copy.txt")
                #expect(String(buffer: try await s3.getObject(bucket: bucket, key: "copy/hello copy.txt").body) == "hello")

                for index in 0..<5 { try await s3.putObject(bucket: bucket, key: "list-\(index)", body: ByteBuffer(string: "\(index)")) }
                let first = try await s3.listObjectsV2(bucket: bucket, prefix: "list-", maximumKeys: 2)
                #expect(first.objects.map(\.key) == ["list-0", "list-1"])
                #expect(first.isTruncated && first.nextContinuationToken != nil)
                let all = try await s3.listAllObjects(bucket: bucket, prefix: "list-")
                #expect(all.map(\.key) == (0..<5).map { "list-\($0)" })
                var paged: [String] = []
                var token: String?
                repeat {
                    let page = try await s3.listObjectsV2(bucket: bucket, prefix: "list-", continuationToken: token, maximumKeys: 2)
                    paged += page.objects.map(\.key)
                    token = page.nextContinuationToken
                } while token != nil
                #expect(paged == all.map(\.key), "continuation tokens walk every page")

                let deleted = try await s3.deleteObjects(bucket: bucket, keys: ["list-0", "list-1"])
                #expect(Set(deleted.deleted) == ["list-0", "list-1"] && deleted.errors.isEmpty)
                try await s3.deleteObject(bucket: bucket, key: "list-2")
                #expect(try await s3.listAllObjects(bucket: bucket, prefix: "list-").map(\.key) == ["list-3", "list-4"])

                let big = ByteBuffer(bytes: (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                try await s3.uploadMultipart(bucket: bucket, key: "big.bin", body: big, options: S3MultipartOptions(partSize: 5 << 20, concurrency: 2))
                #expect(try await s3.getObject(bucket: bucket, key: "big.bin").body == big)

                let noKey = try #require(await failure { _ = try await s3.getObject(bucket: bucket, key: "missing") })
                #expect(noKey.s3.isNotFound && noKey.s3.code == "NoSuchKey" && noKey.s3.key == "missing" && noKey.s3.requestID != nil)
                let noBucket = try #require(await failure { _ = try await s3.getObject(bucket: "triage-none", key: "k") })
                #expect(noBucket.s3.isNotFound && noBucket.s3.code == "NoSuchBucket" && noBucket.s3.bucket == "triage-none")
                let headMissing = try #require(await failure { _ = try await s3.headObject(bucket: bucket, key: "missing") })
                #expect(headMissing.s3.isNotFound, "a HEAD has no body: the 404 alone says so")
                let denied = try #require(await failure { try await s3.putObject(bucket: bucket, key: "denied/x", body: ByteBuffer(string: "x")) })
                #expect(denied.s3.isAccessDenied && denied.s3.code == "AccessDenied" && denied.s3.status == 403)
                #expect(denied.history.count == 1, "access denied is not retried")
                let invalid = try #require(await failure { try await s3.createBucket("ab") })
                #expect(invalid.s3.isInvalidRequest && invalid.s3.code == "InvalidBucketName")
                let tooSmall = try #require(await failure {
                    try await s3.uploadMultipart(bucket: bucket, key: "small-parts", body: ByteBuffer(repeating: 1, count: 3 << 20),
                                                 options: S3MultipartOptions(partSize: 1 << 20, concurrency: 2))
                })
                #expect(tooSmall.s3.isInvalidRequest && tooSmall.s3.code == "EntityTooSmall")
            }
        }
    }

    @Test func aWrongSignatureOrUnknownKeyIsRefused() async throws {
        try await AuthenticatedMoto.with { moto in
            try await moto.withClient { s3 in try await s3.createBucket("triage-auth") }
            var unsigned = moto.credentials
            unsigned.secretAccessKey += "x"
            try await moto.withClient(credentials: unsigned) { s3 in
                let failure = try #require(await failure { try await s3.putObject(bucket: "triage-auth", key: "k", body: ByteBuffer(string: "x")) })
                #expect(failure.s3.code == "SignatureDoesNotMatch")
                #expect(failure.s3.status == 403)
                #expect(!failure.s3.isAccessDenied, "a bad signature is not a missing permission")
            }
            try await moto.withClient(credentials: S3Credentials(accessKeyID: "AKIANOTAKEY000000000", secretAccessKey: "x")) { s3 in
                let failure = try #require(await failure { _ = try await s3.headObject(bucket: "triage-auth", key: "k") })
                #expect(failure.s3.status == 403)
            }
            // The same request with the right secret and an unsigned payload passes.
            try await moto.withClient { s3 in
                var unsignedPayload = s3
                unsignedPayload.signsPayload = false
                try await unsignedPayload.putObject(bucket: "triage-auth", key: "k", body: ByteBuffer(string: "x"))
                #expect(try await s3.headObject(bucket: "triage-auth", key: "k").contentLength == 1)
            }
        }
    }
}
