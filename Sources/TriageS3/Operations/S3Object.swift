import NIOCore

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

    static func parse(_ body: ByteBuffer) -> S3ListPage {
        let text = Substring(String(buffer: body))
        let objects = S3XML.elements("Contents", in: text).compactMap { entry -> S3ObjectSummary? in
            guard let key = S3XML.value("Key", in: entry) else { return nil }
            return S3ObjectSummary(key: key, size: S3XML.value("Size", in: entry).flatMap { Int($0) } ?? 0,
                                   etag: S3XML.value("ETag", in: entry), lastModified: S3XML.value("LastModified", in: entry))
        }
        let truncated = S3XML.value("IsTruncated", in: text) == "true"
        return S3ListPage(objects: objects, nextContinuationToken: truncated ? S3XML.value("NextContinuationToken", in: text) : nil,
                          isTruncated: truncated)
    }
}
