/// A decoded API error body, typed so you can switch on it.
public enum APIError: Sendable, Hashable {
    /// A Kubernetes `Status` object (or apimachinery's fall-back for a non-Status body).
    case kubernetes(KubernetesStatus)
    /// An S3 `<Error>` document.
    case s3(S3ErrorResponse)
    /// RFC 9457 problem details.
    case problem(ProblemDetails)
}

/// What ``APIErrorDecoder`` found in a body: the typed error, the kind it refines the status to, and
/// the flat fields for output.
public struct DecodedAPIError: Sendable, Hashable {
    public var error: APIError
    public var kind: FailureKind
    public var info: APIErrorInfo
}
