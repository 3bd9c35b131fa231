/// Recognises and decodes error bodies: Kubernetes `Status` JSON, S3 `<Error>` XML and RFC 9457
/// problem+json.
///
/// The format is chosen by `Content-Type` when it names one (`application/problem+json`,
/// `application/json`, `application/xml`, `text/xml`) and by the body's first byte otherwise.
/// Bodies larger than ``maximumBodySize`` (default 64 KiB), invalid UTF-8, truncated or hostile
/// documents (DTDs, entities, deep nesting) are not decoded: the response is classified by status alone.
public struct APIErrorDecoder: Sendable {
    /// The largest body looked at, in bytes (default 65 536).
    public var maximumBodySize: Int

    public init(maximumBodySize: Int = 65_536) {
        self.maximumBodySize = maximumBodySize
    }

    /// The decoded error, or `nil` when the body is none of the known formats.
    public func decode(body: [UInt8], status: Int, headers: [(name: String, value: String)]) -> DecodedAPIError? {
        guard !body.isEmpty, body.count <= maximumBodySize else { return nil }
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        let requestID = headers.first { $0.name.lowercased() == "x-amz-request-id" }?.value
        let first = body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }

        if contentType.contains("problem+json"), let problem = ProblemDetails.decode(body) {
            return problem.decoded(status: status)
        }
        if contentType.contains("xml") || first == UInt8(ascii: "<") {
            return S3ErrorResponse.decode(body, requestIDHeader: requestID)?.decoded(status: status)
        }
        if contentType.contains("json") || first == UInt8(ascii: "{") {
            if let kubernetes = KubernetesStatus.decode(body) {
                return kubernetes.decoded(responseStatus: status)
            }
            if let problem = ProblemDetails.decode(body), problem.type != nil || problem.title != nil {
                return problem.decoded(status: status)
            }
        }
        return nil
    }
}
