import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import Triage
import TriageChaos
import TriageTestSupport
@testable import TriageS3

/// The issue's scenarios through a ChaosProxy in front of moto (signature checking on).
///
/// Each request gets a connection of its own (`maximumUsesPerConnection = 1`), so the proxy's 10 %
/// of connections is 10 % of requests.
@Suite(.enabled("python3 with moto[server] is not installed (scripts/install-test-deps.sh installs it)") { await MotoServer.isAvailable() })
struct S3ChaosMotoTests {
    static let bucket = "triage-chaos"

    static var oneRequestPerConnection: HTTPClient.Configuration {
        var configuration = S3Client.httpConfiguration()
        configuration.maximumUsesPerConnection = 1
        return configuration
    }

    static func resets(rate: Double, seed: UInt64) -> ProxyToxics {
        var toxics = ProxyToxics()
        toxics.reset = true
        toxics.rate = rate
        toxics.seed = seed
        return toxics
    }

    /// Deletes under `denied/` refused by the bucket's policy (DeleteObjects checks it key by key).
    static let bucketPolicy = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::triage-chaos/denied/*"}]}"#

    @Test func bulkUploadThroughResetsWithADeniedPrefix() async throws {
        try await AuthenticatedMoto.with(policy: MotoIAM.policy(allowingS3ExceptPrefix: "denied/", bucket: Self.bucket)) { moto in
            try await moto.withClient { s3 in try await s3.createBucket(Self.bucket) }
            let proxy = try await ChaosProxy.start(upstream: "127.0.0.1:\(moto.moto.port)", toxics: Self.resets(rate: 0.1, seed: 42))
            defer { Task { await proxy.shutdown() } }
            let through = S3Endpoint(scheme: "http", host: "127.0.0.1", port: proxy.port)
            let items = (0..<200).map { index in
                let key = index % 20 == 0 ? "denied/\(index).txt" : "files/\(index).txt"
                return S3UploadItem(name: "\(index).txt", key: key) { ByteBuffer(string: "file \(index)") }
            }
            var pipeline = AuthenticatedMoto.pipeline()
            pipeline.budget = RetryBudget()
            try await moto.withClient(endpoint: through, configuration: Self.oneRequestPerConnection, pipeline: pipeline) { s3 in
                let report = await s3.putMany(bucket: Self.bucket, items: items, concurrency: 8)
                #expect(proxy.connections.affected > 0, "the proxy did reset connections")
                #expect(report.items.count == 200)
                for item in report.items {
                    if item.key.hasPrefix("denied/") {
                        #expect(item.failure?.s3.isAccessDenied == true && item.failure?.s3.code == "AccessDenied", "\(item.key)")
                    } else {
                        #expect(item.succeeded, "\(item.key): \(item.failure.map { "\($0)" } ?? "")")
                    }
                }
                #expect(report.failed == 10)
                #expect(report.attempts > 200, "resets made some items take more than one attempt")
            }
            try await moto.withClient { s3 in
                // Listed whole: moto refuses a signed `prefix=files%2F` (see S3MotoClientTests).
                let stored = try await s3.listAllObjects(bucket: Self.bucket)
                #expect(stored.count { $0.key.hasPrefix("files/") } == 190)
                #expect(stored.count == 190, "no denied file was stored")
            }
        }
    }

    @Test func deleteObjectsReportsTheDeniedKeys() async throws {
        try await AuthenticatedMoto.with { moto in
            try await moto.withClient { s3 in
                try await s3.createBucket(Self.bucket)
                for key in ["keep/a", "keep/b", "denied/c", "denied/d", "keep/e"] {
                    try await s3.putObject(bucket: Self.bucket, key: key, body: ByteBuffer(string: key))
                }
                try await s3.putBucketPolicy(Self.bucket, policy: Self.bucketPolicy)
                let report = try await s3.deletePrefix(bucket: Self.bucket, prefix: "")
                #expect(report.items.count == 5)
                #expect(Set(report.failures.map(\.key)) == ["denied/c", "denied/d"])
                #expect(report.failures.allSatisfy { $0.failure?.s3.isAccessDenied == true && $0.failure?.s3.code == "AccessDenied" })
                #expect(try await s3.listAllObjects(bucket: Self.bucket).map(\.key).sorted() == ["denied/c", "denied/d"])
            }
        }
    }

    @Test func aDownPrimaryServesFromTheFallbackThenTheCache() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("triage-s3-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        try await AuthenticatedMoto.with { moto in
            try await moto.withClient { s3 in
                try await s3.createBucket(Self.bucket)
                try await s3.putObject(bucket: Self.bucket, key: "report.csv", body: ByteBuffer(string: "a,b\n1,2\n"))
            }
            let closed = S3Endpoint(scheme: "http", host: "127.0.0.1", port: try LoopbackSockets.closedPort())
            try await moto.withClient(endpoint: closed, pipeline: AuthenticatedMoto.pipeline(attempts: 2)) { down in
                try await moto.withClient { up in
                    let chain = S3FallbackChain<ContinuousClock>(primary: .init(name: "primary", client: down, bucket: Self.bucket),
                                                fallbacks: [.init(name: "fallback", client: up, bucket: Self.bucket)], cacheDirectory: cache)
                    let fromFallback = await chain.get(key: "report.csv")
                    #expect(fromFallback.source == "fallback")
                    #expect(fromFallback.attempts.map(\.failure.kind) == [.connectRefused])
                }
                let bothDown = S3FallbackChain<ContinuousClock>(primary: .init(name: "primary", client: down, bucket: Self.bucket),
                                               fallbacks: [.init(name: "fallback", client: down, bucket: Self.bucket)], cacheDirectory: cache)
                let fromCache = await bothDown.get(key: "report.csv")
                #expect(fromCache.source == "cache")
                #expect(fromCache.body.map { String(buffer: $0) } == "a,b\n1,2\n")
                #expect(fromCache.attempts.map(\.source) == ["primary", "fallback"])
            }
        }
    }

    @Test func aMultipartUploadSurvivesAResetPart() async throws {
        try await AuthenticatedMoto.with { moto in
            try await moto.withClient { s3 in try await s3.createBucket(Self.bucket) }
            let proxy = try await ChaosProxy.start(upstream: "127.0.0.1:\(moto.moto.port)", toxics: Self.resets(rate: 0.3, seed: 7))
            defer { Task { await proxy.shutdown() } }
            let through = S3Endpoint(scheme: "http", host: "127.0.0.1", port: proxy.port)
            let body = ByteBuffer(bytes: (0..<(16 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try await moto.withClient(endpoint: through, configuration: Self.oneRequestPerConnection, pipeline: AuthenticatedMoto.pipeline(attempts: 6)) { s3 in
                try await s3.uploadMultipart(bucket: Self.bucket, key: "big.bin", body: body, options: S3MultipartOptions(partSize: 5 << 20, concurrency: 2))
            }
            #expect(proxy.connections.affected > 0, "some request was reset")
            try await moto.withClient { s3 in
                let stored = try await s3.getObject(bucket: Self.bucket, key: "big.bin")
                #expect(stored.body == body)
            }
        }
    }
}
