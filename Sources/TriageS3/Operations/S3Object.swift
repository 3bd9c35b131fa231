import NIOCore
import Triage

/// An object's metadata, from `HeadObject` or a `GetObject` response head.
public struct S3ObjectHead: Sendable, Hashable {
    /// Bytes, from `Content-Length`.
    public var contentLength: Int?
    /// The `ETag`, quotes included as S3 sends it.
    public var etag: String?
    public var contentType: String?
    /// `Last-Modified` as sent (an HTTP date).
    public var lastModified: String?

    init(_ response: S3TransportResponse) {
        contentLength = response.header("Content-Length").flatMap { Int($0) }
        etag = response.header("ETag")
        contentType = response.header("Content-Type")
        lastModified = response.header("Last-Modified")
    }
}

/// A whole object read into memory.
public struct S3Object: Sendable {
    public var head: S3ObjectHead
    public var body: ByteBuffer
}

/// One entry of a listing.
public struct S3ObjectSummary: Sendable, Hashable {
    public var key: String
    /// Bytes.
    public var size: Int
    public var etag: String?
    public var lastModified: String?
}

/// One page of `ListObjectsV2`.
public struct S3ListPage: Sendable, Hashable {
    public var objects: [S3ObjectSummary]
    /// The token for the next page; `nil` on the last page.
    public var nextContinuationToken: String?
    public var isTruncated: Bool

    /// Reads a `ListBucketResult`. Throws `response.malformed` for a 200 whose body is not one (a proxy's
    /// page, a cut body), an entry whose `Size` is not a number, and a truncated page without a
    /// `NextContinuationToken`: each was read as an empty or shorter listing, and `ls` exited 0.
    static func parse(_ body: ByteBuffer) throws(Failure) -> S3ListPage {
        let text = Substring(String(buffer: body))
        guard text.contains("<ListBucketResult"), text.contains("</ListBucketResult>") else {
            throw malformed("the 200 response is not a complete ListBucketResult")
        }
        var objects: [S3ObjectSummary] = []
        for entry in S3XML.elements("Contents", in: text) {
            guard let key = S3XML.value("Key", in: entry) else { continue }
            let size = S3XML.value("Size", in: entry)
            guard let bytes = size.map({ Int($0) }) ?? 0 else { throw malformed("the Size of a listed object is not a number") }
            objects.append(S3ObjectSummary(key: key, size: bytes, etag: S3XML.value("ETag", in: entry),
                                           lastModified: S3XML.value("LastModified", in: entry)))
        }
        let truncated = S3XML.value("IsTruncated", in: text) == "true"
        let token = S3XML.value("NextContinuationToken", in: text)
        if truncated && (token ?? "").isEmpty { throw malformed("a truncated listing without a NextContinuationToken") }
        return S3ListPage(objects: objects, nextContinuationToken: truncated ? token : nil, isTruncated: truncated)
    }

    static func malformed(_ detail: String) -> Failure {
        Failure(.responseMalformed, delivery: .processed, detail: "ListObjectsV2: \(detail)")
    }
}
