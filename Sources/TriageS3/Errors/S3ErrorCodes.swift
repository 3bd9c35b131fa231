/// S3's error codes, grouped as botocore groups them (`botocore/retries/standard.py` and
/// `botocore/data/_retry.json`): throttling and transient codes are retried, clock skew is retried
/// after the clock is corrected, expired tokens only where credentials can be refreshed.
public enum S3ErrorCodes {
    public static let notFound: Set<String> = ["NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion"]
    public static let accessDenied: Set<String> = ["AccessDenied", "AllAccessDisabled", "AccountProblem"]
    /// Signature and credential errors (403, or 400 for some): not access to the object as such.
    public static let authentication: Set<String> = ["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                                                     "InvalidToken", "TokenRefreshRequired", "RequestExpired"]
    public static let invalidRequest: Set<String> = [
        "InvalidRequest", "InvalidArgument", "InvalidBucketName", "MalformedXML", "InvalidDigest", "BadDigest",
        "InvalidRange", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge", "KeyTooLongError",
        "MetadataTooLarge", "InvalidStorageClass", "InvalidURI", "MissingContentLength", "IncompleteBody",
    ]
    /// botocore's throttling codes.
    public static let throttling: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    ]
    /// botocore's transient codes: retried although their status is a 4xx.
    public static let transient: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
    /// The request's signing time is off: retried once the clock offset is corrected from the `Date` header.
    public static let clockSkew: Set<String> = ["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"]
    /// Temporary credentials ran out: retried only when the client can refresh them.
    public static let expiredCredentials: Set<String> = ["ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"]
    /// The bucket lives elsewhere: re-addressed once to the region S3 names.
    public static let redirect: Set<String> = ["PermanentRedirect", "TemporaryRedirect", "AuthorizationHeaderMalformed",
                                               "IllegalLocationConstraintException"]

    /// Whether `code` is one of botocore's throttling codes or starts with `Throttling`.
    public static func isThrottling(_ code: String) -> Bool {
        throttling.contains(code) || code.hasPrefix("Throttling")
    }
}
