import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import Triage
import TriageHTTP
import TriageProbe
import TriageTestSupport

/// S3 errors from a real S3-compatible server (moto), through the client and through the probe.
/// moto accepts unsigned requests; the region and account it needs for some errors come from headers.
@Suite(.enabled("python3 with moto[server] is not installed (scripts/install-test-deps.sh installs it)") { await MotoServer.isAvailable() })
struct S3MotoTests {
    static let euConfiguration = #"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"#
    /// An unsigned credential scope that tells moto the request is for eu-west-1 (moto does not check it).
    static let euScope = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0"

    static func send(_ client: ResilientHTTPClient<ContinuousClock>, _ method: HTTPMethod, _ url: String,
                     headers: [(String, String)] = [], body: String? = nil) async -> Failure? {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return await captureFailure { try await client.execute(request, body: body.map { RequestBody.text($0) }) }
    }

    @Test func s3ErrorsThroughTheClientAndTheProbe() async throws {
        try await MotoServer.with { moto in
            let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(20))
            try await ResilientHTTPClient.withClient(pipeline: pipeline) { client in
                let base = moto.url
                // Setup, not under test: a freshly started moto on a loaded machine failed the first
                // request once (CI, stop 23), so the bucket gets three tries.
                var created = await Self.send(client, .PUT, "\(base)/triage-one")
                for _ in 0..<2 where created != nil {
                    try await Task.sleep(for: .seconds(1))
                    created = await Self.send(client, .PUT, "\(base)/triage-one")
                }
                #expect(created == nil, "creating a bucket succeeds: \(created.map { "\($0)" } ?? "")")
                #expect(await Self.send(client, .PUT, "\(base)/triage-one/present", body: "hello") == nil, "putting an object succeeds")

                let noBucket = try #require(await Self.send(client, .GET, "\(base)/triage-none/key"))
                #expect(noBucket.kind == .httpNotFound)
                #expect(noBucket.s3Error?.code == "NoSuchBucket")
                #expect(noBucket.s3Error?.bucketName == "triage-none")
                #expect(noBucket.s3Error?.requestID?.isEmpty == false)
                #expect(noBucket.api?.format == .s3)

                let noKey = try #require(await Self.send(client, .GET, "\(base)/triage-one/missing.txt"))
                #expect(noKey.kind == .httpNotFound)
                #expect(noKey.s3Error?.code == "NoSuchKey")
                #expect(noKey.s3Error?.key == "missing.txt")

                let taken = try #require(await Self.send(client, .PUT, "\(base)/triage-one", headers: [("x-moto-account-id", "111122223333")]))
                #expect(taken.s3Error?.code == "BucketAlreadyExists")
                #expect(taken.kind == .httpAlreadyExists)
                #expect(taken.status == 409)
                #expect(taken.decision == .fail)

                let euHeaders = [("Authorization", Self.euScope), ("Content-Type", "application/xml")]
                #expect(await Self.send(client, .PUT, "\(base)/triage-eu", headers: euHeaders, body: Self.euConfiguration) == nil)
                let owned = try #require(await Self.send(client, .PUT, "\(base)/triage-eu", headers: euHeaders, body: Self.euConfiguration))
                #expect(owned.s3Error?.code == "BucketAlreadyOwnedByYou")
                #expect(owned.kind == .httpAlreadyExists)

                let badName = try #require(await Self.send(client, .PUT, "\(base)/ab"))
                #expect(badName.s3Error?.code == "InvalidBucketName")
                #expect(badName.kind == .httpBadRequest)

                let notEmpty = try #require(await Self.send(client, .DELETE, "\(base)/triage-one"))
                #expect(notEmpty.s3Error?.code == "BucketNotEmpty")
                #expect(notEmpty.kind == .httpClientError)
                #expect(notEmpty.status == 409)
                #expect(notEmpty.decision == .fail, "BucketNotEmpty is no optimistic-concurrency conflict")

                let noUpload = try #require(await Self.send(client, .DELETE, "\(base)/triage-one/never-uploaded?uploadId=nope"))
                #expect(noUpload.s3Error?.code == "NoSuchUpload")
                #expect(noUpload.kind == .httpNotFound)
            }

            var options = ProbeOptions(url: "\(moto.url)/triage-none/key")
            options.connectTimeout = .seconds(5)
            let report = await ProbeRunner(options: options).run()
            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
            #expect(json["kind"] as? String == "http.notFound")
            #expect(json["status"] as? Int == 404)
            let api = try #require(json["api"] as? [String: Any])
            #expect(api["format"] as? String == "s3")
            #expect(api["code"] as? String == "NoSuchBucket")
            #expect((api["request_id"] as? String)?.isEmpty == false)
            #expect(api["message"] as? String == "The specified bucket does not exist")

            var put = ProbeOptions(url: "\(moto.url)/triage-eu")
            put.method = "PUT"
            put.headers = [(name: "Authorization", value: Self.euScope), (name: "Content-Type", value: "application/xml")]
            put.body = Array(Self.euConfiguration.utf8)
            let owned = await ProbeRunner(options: put).run()
            #expect(owned.kindID == "http.alreadyExists")
            #expect(owned.failure?.api?.code == "BucketAlreadyOwnedByYou")
            #expect(!owned.json().contains("AKIAIOSFODNN7EXAMPLE"), "the Authorization value is never printed")
        }
    }
}
