/// An S3 operation's name, as AWS spells it (`PutObject`, `GetObject`, ...): a bounded set, used as a
/// log field and metric label.
public struct S3Operation: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }

    public static let putObject = S3Operation("PutObject")
    public static let getObject = S3Operation("GetObject")
    public static let headObject = S3Operation("HeadObject")
    public static let deleteObject = S3Operation("DeleteObject")
    public static let deleteObjects = S3Operation("DeleteObjects")
    public static let copyObject = S3Operation("CopyObject")
    public static let listObjectsV2 = S3Operation("ListObjectsV2")
    public static let createBucket = S3Operation("CreateBucket")
    public static let headBucket = S3Operation("HeadBucket")
    public static let putBucketPolicy = S3Operation("PutBucketPolicy")
    public static let createMultipartUpload = S3Operation("CreateMultipartUpload")
    public static let uploadPart = S3Operation("UploadPart")
    public static let completeMultipartUpload = S3Operation("CompleteMultipartUpload")
    public static let abortMultipartUpload = S3Operation("AbortMultipartUpload")
}

/// What an S3 failure concerned: the operation, bucket and key. ``S3Client`` puts it in a
/// ``Triage/Failure``'s `underlying`, holding the error that was there as ``cause``; read it through
/// ``Triage/Failure/s3``.
public struct S3OperationContext: Error, Sendable, CustomStringConvertible {
    public var operation: S3Operation
    public var bucket: String
    /// Empty for bucket-level operations.
    public var key: String
    /// The error the failure was classified from, if any.
    public var cause: (any Error)?

    public init(operation: S3Operation, bucket: String, key: String, cause: (any Error)? = nil) {
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.cause = cause
    }

    public var description: String {
        var text = "\(operation) s3://\(bucket)/\(key)"
        if let cause { text += ": \(cause)" }
        return text
    }
}
