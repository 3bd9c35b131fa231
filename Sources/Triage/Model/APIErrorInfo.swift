/// The common fields of an error body an API returned (a Kubernetes `Status`, an S3 `<Error>`,
/// RFC 9457 problem details), as `triage probe --json` prints them under `api`.
public struct APIErrorInfo: Sendable, Hashable {
    /// Which kind of error document was decoded.
    public struct Format: Sendable, Hashable, CustomStringConvertible {
        /// The stable id: `"kubernetes"`, `"s3"` or `"problem"`.
        public let id: String
        public init(id: String) { self.id = id }
        public var description: String { id }

        /// A Kubernetes `Status` object.
        public static let kubernetes = Format(id: "kubernetes")
        /// An S3 `<Error>` XML document.
        public static let s3 = Format(id: "s3")
        /// RFC 9457 problem details (`application/problem+json`).
        public static let problem = Format(id: "problem")
    }

    /// Which document this was.
    public var format: Format
    /// The Kubernetes `reason` or the problem `type`.
    public var reason: String?
    /// The S3 `Code` or the Kubernetes `code` field (as text).
    public var code: String?
    /// The human message (Kubernetes `message`, S3 `Message`, problem `detail` or `title`).
    public var message: String?
    /// The S3 `RequestId` (or the `x-amz-request-id` header).
    public var requestID: String?
    /// The S3 `HostId`, S3's extended request id (or the `x-amz-id-2` header); `nil` for other APIs.
    public var hostID: String?
    /// A delay the body named (Kubernetes `details.retryAfterSeconds`).
    public var retryAfter: Duration?
    /// The whole typed document, to switch on (`.kubernetes(status)`, `.s3(error)`, `.problem(details)`);
    /// `nil` when only the flat fields are known.
    public var document: APIError?

    public init(
        format: Format,
        reason: String? = nil,
        code: String? = nil,
        message: String? = nil,
        requestID: String? = nil,
        hostID: String? = nil,
        retryAfter: Duration? = nil,
        document: APIError? = nil
    ) {
        self.format = format
        self.reason = reason
        self.code = code
        self.message = message
        self.requestID = requestID
        self.hostID = hostID
        self.retryAfter = retryAfter
        self.document = document
    }
}
