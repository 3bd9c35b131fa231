import Testing
import Triage
@testable import TriageS3

/// Listings a broken or hostile server sends: each was an empty, short or endless listing that
/// `triage s3 ls` reported with exit 0.
struct S3ListingTests {
    static func page(_ contents: String, truncated: Bool = false, token: String? = nil) -> String {
        "<ListBucketResult><IsTruncated>\(truncated)</IsTruncated>\(token.map { "<NextContinuationToken>\($0)</NextContinuationToken>" } ?? "")\(contents)</ListBucketResult>"
    }

    @Test(arguments: ["garbage", "", "<Foo/>", "<ListBucketResult><Contents><Key>a</Key>",
                      page("<Contents><Key>a</Key><Size>big</Size></Contents>"), page("", truncated: true)])
    func aBodyThatIsNotACompleteListingIsMalformed(body: String) async {
        let transport = S3SimulatedTransport { _, _ in .respond(body: body) }
        let failure = await #expect(throws: Failure.self) { try await Simulated.client(transport).listObjectsV2(bucket: "b") }
        #expect(failure?.kind == .responseMalformed)
    }

    @Test func aListingWhosePagesLoopIsMalformed() async {
        let transport = S3SimulatedTransport { _, _ in .respond(body: Self.page("<Contents><Key>a</Key><Size>1</Size></Contents>", truncated: true, token: "same")) }
        let failure = await #expect(throws: Failure.self) { try await Simulated.client(transport).listAllObjects(bucket: "b") }
        #expect(failure?.kind == .responseMalformed)
        #expect(transport.requests.count == 2)
    }

    @Test func aListingFollowsItsTokens() async throws {
        let transport = S3SimulatedTransport { request, _ in
            request.query.contains { $0.name == "continuation-token" }
                ? .respond(body: Self.page("<Contents><Key>b</Key><Size>2</Size></Contents>"))
                : .respond(body: Self.page("<Contents><Key>a</Key><Size>1</Size></Contents>", truncated: true, token: "t1"))
        }
        let objects = try await Simulated.client(transport).listAllObjects(bucket: "b")
        #expect(objects.map(\.key) == ["a", "b"])
        #expect(objects.map(\.size) == [1, 2])
    }
}
