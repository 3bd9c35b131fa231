import Crypto
import Foundation
import NIOCore
import Triage

/// The outcome of one `DeleteObjects` request: the keys deleted and the keys S3 refused, each with
/// its `<Error>` entry. A refused key is a partial failure, not a failure of the request.
public struct S3DeleteObjectsResult: Sendable {
    public var deleted: [String]
    public var errors: [S3KeyError]

    static func parse(_ body: ByteBuffer) -> S3DeleteObjectsResult {
        let text = Substring(String(buffer: body))
        let deleted = S3XML.elements("Deleted", in: text).compactMap { S3XML.value("Key", in: $0) }
        let errors = S3XML.elements("Error", in: text).compactMap { entry -> S3KeyError? in
            guard let key = S3XML.value("Key", in: entry) else { return nil }
            return S3KeyError(key: key, code: S3XML.value("Code", in: entry) ?? "", message: S3XML.value("Message", in: entry))
        }
        return S3DeleteObjectsResult(deleted: deleted, errors: errors)
    }
}

/// One key's `<Error>` entry in a `DeleteObjects` result.
public struct S3KeyError: Sendable, Hashable {
    public var key: String
    public var code: String
    public var message: String?

    /// The failure this entry stands for, classified as a response with this code would be
    /// (`AccessDenied` is `http.forbidden`, `InternalError` a retryable server error, ...).
    public func failure(bucket: String, requestID: String?) -> Failure {
        let document = S3ErrorResponse(code: code, message: message, requestID: requestID, key: key)
        let kind = document.failureKind ?? (S3ErrorCodes.isThrottling(code) ? .httpThrottled : .httpClientError)
        let status = kind == .httpForbidden ? 403 : kind == .httpNotFound ? 404 : kind.defaultDecision.isRetryable ? 500 : 400
        let api = APIErrorInfo(format: .s3, code: code, message: message, requestID: requestID, document: .s3(document))
        var failure = Failure(kind, status: status, api: api,
                              underlying: S3OperationContext(operation: .deleteObjects, bucket: bucket, key: key), detail: code)
        failure.delivery = .processed
        return failure
    }
}

extension S3Client {
    /// The most keys one `DeleteObjects` request takes.
    public static var maximumKeysPerDelete: Int { 1_000 }

    /// `DeleteObjects` for up to 1 000 `keys` (more is an `http.badRequest` failure before anything is
    /// sent). Keys S3 refuses come back in ``S3DeleteObjectsResult/errors``.
    public func deleteObjects(bucket: String, keys: [String]) async throws(Failure) -> S3DeleteObjectsResult {
        guard keys.count <= Self.maximumKeysPerDelete else {
            throw Failure(.httpBadRequest, delivery: .notSent, detail: "DeleteObjects takes at most 1000 keys, not \(keys.count)")
        }
        var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>false</Quiet>"
        for key in keys { xml += "<Object><Key>\(XMLText.escaped(key))</Key></Object>" }
        xml += "</Delete>"
        let body = Data(xml.utf8)
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        let spec = S3RequestSpec(operation: .deleteObjects, method: "POST", bucket: bucket, query: [("delete", "")],
                                 headers: [("Content-MD5", md5), ("Content-Type", "application/xml")], body: ByteBuffer(bytes: body))
        return try await send(spec) { response in S3DeleteObjectsResult.parse(try await response.body.collect(upTo: 32 << 20)) }
    }
}
