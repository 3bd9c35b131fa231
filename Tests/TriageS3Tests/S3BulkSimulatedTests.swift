import Foundation
import NIOCore
import Testing
import Triage
@testable import TriageS3

/// Bulk work, multipart uploads and fallback chains against ``S3SimulatedTransport``.
struct S3BulkSimulatedTests {
    static func items(_ keys: [String]) -> [S3UploadItem] {
        keys.map { key in S3UploadItem(name: key, key: key) { ByteBuffer(string: "body of \(key)") } }
    }

    @Test func putManyReportsEachItemAndTriesRetryableFailuresOnceMore() async throws {
        // "flaky" fails 3 times with 500 (the pipeline's 3 attempts), then succeeds in the second pass;
        // "denied" is refused every time; the rest succeed at once.
        let flakyCount = Counter()
        let transport = S3SimulatedTransport { request, _ in
            if request.path.hasSuffix("/denied") { return .error(code: "AccessDenied", status: 403) }
            if request.path.hasSuffix("/flaky"), flakyCount.increment() <= 3 { return .error(code: "InternalError", status: 500) }
            return .respond()
        }
        let report = await Simulated.client(transport).putMany(bucket: "b", items: Self.items(["a", "denied", "flaky", "z"]), concurrency: 2)
        #expect(report.items.map(\.key) == ["a", "denied", "flaky", "z"], "input order")
        #expect(report.succeeded == 3)
        #expect(report.failed == 1)
        let denied = try #require(report.items.first { $0.key == "denied" })
        #expect(denied.failure?.s3.isAccessDenied == true)
        #expect(denied.attempts == 1)
        #expect(!denied.retried, "access denied is not worth a second pass")
        let flaky = try #require(report.items.first { $0.key == "flaky" })
        #expect(flaky.succeeded && flaky.retried)
        #expect(flaky.attempts == 4)
        #expect(report.retried == 1)
    }

    /// s3-cli.md: files that still failed retryably are tried once more; a file whose retries the
    /// budget or the deadline cut short is one (a black-box check saw resets end as budget.exhausted and
    /// not tried again). Access denied is not.
    @Test func theEngineGivingUpIsWorthASecondPass() {
        #expect(Failure(.budgetExhausted).isWorthASecondPass)
        #expect(Failure(.deadlineExceeded).isWorthASecondPass)
        #expect(Failure(.connectionReset).isWorthASecondPass)
        #expect(!Failure(.httpForbidden, status: 403).isWorthASecondPass)
    }

    @Test func withoutTheSecondPassAFlakyItemStaysFailed() async throws {
        let transport = S3SimulatedTransport { request, _ in request.path.hasSuffix("/flaky") ? .error(code: "SlowDown", status: 503) : .respond() }
        let report = await Simulated.client(transport).putMany(bucket: "b", items: Self.items(["a", "flaky"]), retryFailed: false)
        #expect(report.failed == 1)
        #expect(report.items[1].failure?.s3.isThrottled == true)
        #expect(report.retried == 0)
    }

    @Test func deleteManyReportsTheKeysS3Refused() async throws {
        let body = """
        <?xml version="1.0" encoding="UTF-8"?><DeleteResult><Deleted><Key>a</Key></Deleted>\
        <Error><Key>secret/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error><Deleted><Key>c</Key></Deleted></DeleteResult>
        """
        let transport = S3SimulatedTransport { _, _ in .respond(body: body) }
        let report = await Simulated.client(transport).deleteMany(bucket: "b", keys: ["a", "secret/b", "c"])
        #expect(report.succeeded == 2)
        let refused = try #require(report.failures.first)
        #expect(refused.key == "secret/b")
        #expect(refused.failure?.s3.isAccessDenied == true)
        #expect(refused.failure?.s3.code == "AccessDenied")
        #expect(refused.failure?.s3.operation == .deleteObjects)
        #expect(transport.requests.count == 1)
        #expect(transport.requests[0].header("Content-MD5") != nil, "S3 requires Content-MD5 on DeleteObjects")
    }

    @Test func deleteManySplitsIntoRequestsOfAThousandKeys() async throws {
        let transport = S3SimulatedTransport { _, _ in .respond(body: "<DeleteResult></DeleteResult>") }
        let keys = (0..<2_345).map { "k\($0)" }
        let report = await Simulated.client(transport).deleteMany(bucket: "b", keys: keys, concurrency: 3)
        #expect(report.succeeded == 2_345)
        #expect(transport.requests.count == 3)
    }

    @Test func aMultipartPartThatIsResetIsRetriedAlone() async throws {
        let partTwoTries = Counter()
        let transport = S3SimulatedTransport { request, _ in
            let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            if query["uploads"] != nil { return .respond(body: "<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>") }
            if let part = query["partNumber"] {
                if part == "2", partTwoTries.increment() == 1 { return .reset }
                return .respond(headers: [("ETag", "\"etag-\(part)\"")])
            }
            if request.method == "POST" { return .respond(body: "<CompleteMultipartUploadResult><ETag>\"whole\"</ETag></CompleteMultipartUploadResult>") }
            return .respond()
        }
        let body = ByteBuffer(repeating: 7, count: 10 * 1024)
        let etag = try await Simulated.client(transport).uploadMultipart(bucket: "b", key: "big", body: body,
                                                                           options: S3MultipartOptions(partSize: 4 * 1024, concurrency: 2))
        #expect(etag == "\"whole\"")
        let parts = transport.requests.compactMap { request in request.query.first { $0.name == "partNumber" }?.value }
        #expect(parts.sorted() == ["1", "2", "2", "3"], "only the reset part went twice")
        let complete = try #require(transport.requests.last)
        #expect(complete.method == "POST" && complete.query.contains { $0.name == "uploadId" && $0.value == "up-1" })
    }

    @Test func aMultipartUploadWhosePartFailsForGoodIsAborted() async throws {
        let transport = S3SimulatedTransport { request, _ in
            let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            if query["uploads"] != nil { return .respond(body: "<InitiateMultipartUploadResult><UploadId>up-2</UploadId></InitiateMultipartUploadResult>") }
            if query["partNumber"] == "1" { return .error(code: "AccessDenied", status: 403) }
            return .respond(headers: [("ETag", "\"e\"")])
        }
        let failure = try #require(await failure {
            try await Simulated.client(transport).uploadMultipart(bucket: "b", key: "big", body: ByteBuffer(repeating: 1, count: 9_000),
                                                                  options: S3MultipartOptions(partSize: 4_000, concurrency: 1))
        })
        #expect(failure.s3.isAccessDenied)
        #expect(failure.s3.operation == .uploadPart)
        let last = try #require(transport.requests.last)
        #expect(last.method == "DELETE" && last.query.contains { $0.name == "uploadId" && $0.value == "up-2" }, "aborted")
    }

    @Test func aFallbackChainDegradesStepByStep() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("triage-s3-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let up = S3SimulatedTransport { _, _ in .respond(body: "fresh") }
        let down = S3SimulatedTransport { _, _ in .refused }
        let missing = S3SimulatedTransport { _, _ in .error(code: "NoSuchKey", status: 404) }
        func chain(_ primary: S3SimulatedTransport, _ fallback: S3SimulatedTransport, cacheOnMissing: Bool = false) -> S3FallbackChain<ContinuousClock> {
            S3FallbackChain<ContinuousClock>(primary: .init(name: "primary", client: Simulated.client(primary, attempts: 2), bucket: "b"),
                            fallbacks: [.init(name: "fallback", client: Simulated.client(fallback, attempts: 2), bucket: "b2")],
                            cacheDirectory: cache, servesCacheOnMissing: cacheOnMissing)
        }
        let served = await chain(up, down).get(key: "dir/x.txt")
        #expect(served.source == "primary")
        #expect(served.attempts.isEmpty)
        #expect(FileManager.default.contents(atPath: "\(cache)/b/dir/x.txt") == Data("fresh".utf8), "a successful read is cached")

        let fallback = await chain(down, up).get(key: "dir/x.txt")
        #expect(fallback.source == "fallback")
        #expect(fallback.attempts.map(\.source) == ["primary"])
        #expect(fallback.attempts.first?.failure.kind == .connectRefused)

        let cached = await chain(down, down).get(key: "dir/x.txt")
        #expect(cached.source == "cache")
        #expect(cached.body.map { String(buffer: $0) } == "fresh")
        #expect(cached.attempts.map(\.source) == ["primary", "fallback"])

        let gone = await chain(missing, up).get(key: "dir/x.txt")
        #expect(gone.source == nil, "NoSuchKey from the primary serves nothing stale")
        #expect(gone.attempts.first?.failure.s3.isNotFound == true)

        let asked = await chain(missing, down, cacheOnMissing: true).get(key: "dir/x.txt")
        #expect(asked.source == "cache")

        let escape = await chain(down, down).get(key: "../../etc/passwd")
        #expect(escape.source == nil, "a key cannot leave the cache directory")
    }
}

/// Counts calls across tasks.
final class Counter: Sendable {
    private let value = LockedValue(0)
    @discardableResult func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

