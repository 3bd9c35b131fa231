import NIOCore
import Triage

extension S3Client {
    /// `PutObject`: stores `body` (held in memory, so every retry resends it) at `key`.
    /// - Returns: the object's ETag.
    @discardableResult
    public func putObject(bucket: String, key: String, body: ByteBuffer, contentType: String? = nil) async throws(Failure) -> String? {
        var spec = S3RequestSpec(operation: .putObject, method: "PUT", bucket: bucket, key: key, body: body)
        if let contentType { spec.headers.append(("Content-Type", contentType)) }
        return try await send(spec) { response in response.header("ETag") }
    }

    /// `GetObject`, the whole body (at most `maximumSize` bytes, default 64 MiB).
    public func getObject(bucket: String, key: String, maximumSize: Int = 64 << 20) async throws(Failure) -> S3Object {
        try await getObject(bucket: bucket, key: key) { head, body in
            S3Object(head: head, body: try await body.collect(upTo: maximumSize))
        }
    }

    /// `GetObject`, streaming: `handle` reads the body as it arrives. When the body is cut short (a
    /// reset, a stall) the request is retried and `handle` called again from the start, so it must be
    /// able to start over (truncate what it wrote).
    public func getObject<T: Sendable>(bucket: String, key: String,
                                       _ handle: @escaping @Sendable (S3ObjectHead, S3ResponseBody) async throws -> T) async throws(Failure) -> T {
        try await send(S3RequestSpec(operation: .getObject, method: "GET", bucket: bucket, key: key)) { response in
            try await handle(S3ObjectHead(response), response.body)
        }
    }

    /// `HeadObject`: the object's metadata; a missing object is a failure whose `s3.isNotFound` is true.
    public func headObject(bucket: String, key: String) async throws(Failure) -> S3ObjectHead {
        try await send(S3RequestSpec(operation: .headObject, method: "HEAD", bucket: bucket, key: key)) { S3ObjectHead($0) }
    }

    /// `DeleteObject` (S3 answers success for a key that is not there).
    public func deleteObject(bucket: String, key: String) async throws(Failure) {
        try await send(S3RequestSpec(operation: .deleteObject, method: "DELETE", bucket: bucket, key: key)) { _ in () }
    }

    /// `CopyObject` from `sourceBucket/sourceKey` to `bucket/key`. A copy can fail after S3 answered
    /// 200 (an `<Error>` in the body): that is a failure too.
    public func copyObject(sourceBucket: String, sourceKey: String, bucket: String, key: String) async throws(Failure) {
        let source = "/\(sourceBucket)/\(SigV4Encoding.path(sourceKey))"
        let spec = S3RequestSpec(operation: .copyObject, method: "PUT", bucket: bucket, key: key, headers: [("x-amz-copy-source", source)])
        let client = self
        try await send(spec) { response in
            _ = try await client.failIfErrorDocument(response)
            return ()
        }
    }

    /// `CreateBucket`, with a `LocationConstraint` outside `us-east-1`.
    public func createBucket(_ bucket: String) async throws(Failure) {
        var spec = S3RequestSpec(operation: .createBucket, method: "PUT", bucket: bucket)
        let region = state.region(for: bucket) ?? self.region
        if region != "us-east-1" {
            let xml = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(XMLText.escaped(region))</LocationConstraint></CreateBucketConfiguration>"
            spec.body = ByteBuffer(string: xml)
        }
        try await send(spec) { _ in () }
    }

    /// `ListObjectsV2`, one page of at most `maximumKeys` (1–1000, default 1000).
    public func listObjectsV2(bucket: String, prefix: String = "", continuationToken: String? = nil,
                              maximumKeys: Int = 1_000) async throws(Failure) -> S3ListPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("max-keys", String(max(1, min(1_000, maximumKeys))))]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let spec = S3RequestSpec(operation: .listObjectsV2, method: "GET", bucket: bucket, query: query)
        return try await send(spec) { response in try S3ListPage.parse(try await response.body.collect(upTo: 32 << 20)) }
    }

    /// Every object under `prefix`, following continuation tokens. A server that never ends a listing
    /// is `response.malformed`, not a loop nor a silently short list: a token sent twice, or more than
    /// `maximumPages` pages (default 10 000, ten million keys).
    public func listAllObjects(bucket: String, prefix: String = "", maximumPages: Int = 10_000) async throws(Failure) -> [S3ObjectSummary] {
        var objects: [S3ObjectSummary] = []
        var token: String?
        var seen: Set<String> = []
        for _ in 0..<maximumPages {
            let page = try await listObjectsV2(bucket: bucket, prefix: prefix, continuationToken: token)
            objects += page.objects
            guard page.isTruncated, let next = page.nextContinuationToken else { return objects }
            guard seen.insert(next).inserted else { throw S3ListPage.malformed("the server sent a continuation token twice: its pages loop") }
            token = next
        }
        throw S3ListPage.malformed("the listing did not end within \(maximumPages) pages")
    }

    /// Throws the `<Error>` document of a 200 response (CopyObject, CompleteMultipartUpload), as a
    /// failure classified as its status would be: S3 sends `InternalError` this way.
    func failIfErrorDocument(_ response: S3TransportResponse) async throws -> ByteBuffer {
        let body = try await response.body.collect(upTo: 1 << 20)
        let bytes = Array(body.readableBytesView)
        guard let document = S3ErrorResponse.decode(bytes, requestIDHeader: response.header("x-amz-request-id")) else { return body }
        let status = document.code == "InternalError" || document.code == "ServiceUnavailable" || document.code == "SlowDown" ? 500 : 400
        let failure = responseClassifier.classify(status: status, headers: response.headers, body: bytes, now: 0,
                                                  request: HTTPRequestContext(method: "PUT"))
        throw refine(failure ?? Failure(.httpServerError, status: status), serverDate: nil)
    }
}

extension S3Client {
    /// `PutBucketPolicy`: sets `bucket`'s policy (an IAM policy document, JSON).
    public func putBucketPolicy(_ bucket: String, policy: String) async throws(Failure) {
        let spec = S3RequestSpec(operation: .putBucketPolicy, method: "PUT", bucket: bucket, query: [("policy", "")],
                                 headers: [("Content-Type", "application/json")], body: ByteBuffer(string: policy))
        try await send(spec) { _ in () }
    }
}

extension S3Client {
    /// A presigned URL for `method` (default `GET`) on `bucket/key`, valid for `expires` (1 s to 7
    /// days; default 1 hour) from now, signed for this client's region. The URL grants access: treat it
    /// as a secret (never log it).
    public func presignedURL(bucket: String, key: String, method: String = "GET", expires: Duration = .seconds(3_600)) -> String {
        let address = endpoint.address(bucket: bucket, key: key)
        let request = SigV4Request(method: method, scheme: endpoint.scheme, authority: address.authority, path: address.path)
        let signer = SigV4Signer(credentials: state.credentials, region: state.region(for: bucket) ?? region)
        return signer.presignedURL(for: request, expires: expires, date: wallClock().addingTimeInterval(state.clockOffset))
    }
}
