/// An S3 (or S3-compatible) `<Error>` document.
///
/// ```xml
/// <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
///   <Key>a.txt</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>...</HostId></Error>
/// ```
public struct S3ErrorResponse: Sendable, Hashable {
    public var code: String
    public var message: String?
    /// The `RequestId` element, or the `x-amz-request-id` header when the body has none.
    public var requestID: String?
    public var hostID: String?
    public var resource: String?
    public var bucketName: String?
    public var key: String?

    public init(code: String, message: String? = nil, requestID: String? = nil, hostID: String? = nil,
                resource: String? = nil, bucketName: String? = nil, key: String? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.hostID = hostID
        self.resource = resource
        self.bucketName = bucketName
        self.key = key
    }

    /// Decodes an `<Error>` document with ``FlatXML`` (no DTDs, no entities beyond XML's five).
    public static func decode(_ body: [UInt8], requestIDHeader: String? = nil) -> S3ErrorResponse? {
        guard let fields = FlatXML.children(of: "Error", in: body), let code = fields["Code"], !code.isEmpty else {
            return nil
        }
        return S3ErrorResponse(
            code: code,
            message: fields["Message"],
            requestID: fields["RequestId"] ?? requestIDHeader,
            hostID: fields["HostId"],
            resource: fields["Resource"],
            bucketName: fields["BucketName"],
            key: fields["Key"]
        )
    }

    /// The kind the code stands for, whatever the status (codes before status); `nil` for codes not listed.
    public var failureKind: FailureKind? {
        switch code {
        case "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion", "NoSuchLifecycleConfiguration":
            return .httpNotFound
        case "AccessDenied", "AllAccessDisabled", "AccountProblem":
            return .httpForbidden
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
            return .httpUnauthorized
        case "SlowDown", "RequestThrottled", "TooManyRequests", "TooManyRequestsException", "RequestLimitExceeded",
            "ProvisionedThroughputExceededException", "BandwidthLimitExceeded", "EC2ThrottledException":
            return .httpThrottled
        case _ where code.hasPrefix("Throttling"):
            return .httpThrottled
        case "RequestTimeout":
            return .httpRequestTimeout
        case "InternalError", "InternalFailure":
            return .httpServerError
        case "ServiceUnavailable":
            return .httpUnavailable
        case "RequestTimeTooSkewed":
            return .httpClockSkew
        case "BucketAlreadyExists", "BucketAlreadyOwnedByYou":
            return .httpAlreadyExists
        case "PreconditionFailed":
            return .httpPreconditionFailed
        case "OperationAborted":
            return .httpConflict
        case "NotImplemented":
            return .httpNotImplemented
        case "InvalidBucketName", "InvalidArgument", "InvalidRequest", "MalformedXML", "InvalidDigest", "BadDigest":
            return .httpBadRequest
        case "EntityTooLarge":
            return .httpPayloadTooLarge
        case "MethodNotAllowed":
            return .httpMethodNotAllowed
        case "InvalidObjectState", "BucketNotEmpty", "InvalidRange":
            // A 403/409/416 that retrying or re-reading cannot fix, and that is no access problem.
            return .httpClientError
        default:
            return nil
        }
    }

    func decoded(status: Int) -> DecodedAPIError {
        let info = APIErrorInfo(format: .s3, reason: nil, code: code, message: message, requestID: requestID, hostID: hostID,
                                 document: .s3(self))
        return DecodedAPIError(error: .s3(self), kind: failureKind ?? HTTPResponseClassifier.kind(forStatus: status), info: info)
    }
}
