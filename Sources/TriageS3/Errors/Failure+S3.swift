import Triage

extension Failure {
    /// The S3 view of this failure: its S3 code, message, request and host ids, the operation,
    /// bucket and key it concerned, and the seed's error classes (not found, access denied, invalid
    /// request, throttled, client or server error).
    public var s3: S3FailureView { S3FailureView(self) }
}

/// An S3 view of a ``Triage/Failure`` (``Triage/Failure/s3``), answering the questions an S3 client's
/// exception hierarchy answers, without a second error type.
public struct S3FailureView: Sendable {
    public let failure: Failure

    public init(_ failure: Failure) { self.failure = failure }

    /// The `<Code>` of the error body (`NoSuchKey`, `SlowDown`, ...), if the response had one.
    public var code: String? { failure.s3Error?.code ?? failure.api?.code }
    public var message: String? { failure.s3Error?.message ?? failure.api?.message }
    public var status: Int? { failure.status }
    /// `<RequestId>`, else the `x-amz-request-id` header.
    public var requestID: String? { failure.s3Error?.requestID ?? failure.api?.requestID }
    /// `<HostId>` (S3's extended request id), else the `x-amz-id-2` header.
    public var hostID: String? { failure.s3Error?.hostID ?? failure.api?.hostID }
    public var context: S3OperationContext? { failure.underlying as? S3OperationContext }
    public var operation: S3Operation? { context?.operation }
    public var bucket: String? { context?.bucket ?? failure.s3Error?.bucketName }
    public var key: String? { context?.key ?? failure.s3Error?.key }

    /// `NoSuchKey`, `NoSuchBucket`, `NoSuchUpload`, `NoSuchVersion`, or a 404.
    public var isNotFound: Bool {
        if let code, S3ErrorCodes.notFound.contains(code) { return true }
        return status == 404
    }

    /// `AccessDenied`, `AllAccessDisabled`, `AccountProblem`, or a 403 with no more telling code.
    public var isAccessDenied: Bool {
        if let code { return S3ErrorCodes.accessDenied.contains(code) || (status == 403 && !S3ErrorCodes.authentication.contains(code) && !isThrottled) }
        return status == 403
    }

    /// A request S3 will refuse again as sent: `InvalidRequest`, `InvalidArgument`, `MalformedXML`,
    /// `InvalidBucketName`, digest, range and part errors, or any other 400 that is not transient.
    public var isInvalidRequest: Bool {
        if let code {
            if S3ErrorCodes.invalidRequest.contains(code) { return true }
            if isThrottled || S3ErrorCodes.transient.contains(code) || S3ErrorCodes.clockSkew.contains(code) { return false }
        }
        return status == 400
    }

    /// `SlowDown`, `Throttling*`, `RequestLimitExceeded`, `PriorRequestNotComplete` and botocore's other
    /// throttling codes, a 429, or a 503.
    public var isThrottled: Bool {
        if let code, S3ErrorCodes.isThrottling(code) { return true }
        return status == 429 || status == 503
    }

    /// A 4xx response.
    public var isClientError: Bool { status.map { (400..<500).contains($0) } ?? false }
    /// A 5xx response.
    public var isServerError: Bool { status.map { (500..<600).contains($0) } ?? false }
}
