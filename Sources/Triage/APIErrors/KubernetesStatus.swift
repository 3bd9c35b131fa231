#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Kubernetes `Status` object (meta/v1), as the API server returns it for errors.
///
/// The predicates follow k8s.io/apimachinery `pkg/api/errors`: a predicate is true when the reason
/// matches, or (for those that have a status code) when the reason is not one Kubernetes defines and
/// the code matches.
public struct KubernetesStatus: Sendable, Hashable, Codable {
    /// One reason a field was rejected (`details.causes[]`).
    public struct Cause: Sendable, Hashable, Codable {
        public var reason: String?
        public var message: String?
        public var field: String?
        public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    /// `details`: the object concerned and why.
    public struct Details: Sendable, Hashable, Codable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]?
        /// Seconds the client should wait before retrying (0 or absent: none named).
        public var retryAfterSeconds: Int?
        public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil,
                    causes: [Cause]? = nil, retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public var kind: String?
    public var apiVersion: String?
    /// `"Success"` or `"Failure"`.
    public var status: String?
    public var message: String?
    /// A `StatusReason` (`"NotFound"`, `"Conflict"`, `"Expired"`, ...); empty when unknown.
    public var reason: String?
    public var details: Details?
    /// The HTTP status the server meant (0 or absent when not set).
    public var code: Int?

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil,
                details: Details? = nil, code: Int? = nil) {
        self.kind = "Status"
        self.apiVersion = "v1"
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    /// Decodes a `Status` object; `nil` when the JSON is not one (`kind` must be `"Status"`).
    public static func decode(_ body: [UInt8]) -> KubernetesStatus? {
        guard let status = try? JSONDecoder().decode(KubernetesStatus.self, from: Data(body)),
              status.kind == "Status"
        else { return nil }
        return status
    }

    /// The reasons Kubernetes defines (meta/v1 `StatusReason`), less `StatusReasonUnknown` (""), which
    /// apimachinery leaves out so that an empty reason falls back to the code.
    public static let knownReasons: Set<String> = [
        "Unauthorized", "Forbidden", "NotFound", "AlreadyExists", "Conflict", "Gone", "Invalid",
        "ServerTimeout", "StoreReadError", "Timeout", "TooManyRequests", "BadRequest", "MethodNotAllowed",
        "NotAcceptable", "RequestEntityTooLarge", "UnsupportedMediaType", "InternalError", "Expired",
        "ServiceUnavailable",
    ]

    private func matches(_ wanted: String, code wantedCode: Int? = nil) -> Bool {
        let reason = reason ?? ""
        if reason == wanted { return true }
        guard let wantedCode, !Self.knownReasons.contains(reason) else { return false }
        return (code ?? 0) == wantedCode
    }

    public var isNotFound: Bool { matches("NotFound", code: 404) }
    public var isAlreadyExists: Bool { matches("AlreadyExists") }
    public var isConflict: Bool { matches("Conflict", code: 409) }
    public var isGone: Bool { matches("Gone", code: 410) }
    public var isResourceExpired: Bool { matches("Expired") }
    public var isInvalid: Bool { matches("Invalid", code: 422) }
    /// Reason `TooManyRequests`, or code 429 whatever the reason (this check predates apimachinery's
    /// known-reason rule and keeps its older meaning).
    public var isTooManyRequests: Bool { reason == "TooManyRequests" || code == 429 }
    public var isServerTimeout: Bool { matches("ServerTimeout") }
    public var isTimeout: Bool { matches("Timeout", code: 504) }
    public var isInternalError: Bool { matches("InternalError", code: 500) }
    public var isServiceUnavailable: Bool { matches("ServiceUnavailable", code: 503) }
    public var isUnauthorized: Bool { matches("Unauthorized", code: 401) }
    public var isForbidden: Bool { matches("Forbidden", code: 403) }
    public var isBadRequest: Bool { matches("BadRequest", code: 400) }
    public var isMethodNotSupported: Bool { matches("MethodNotAllowed", code: 405) }
    public var isNotAcceptable: Bool { matches("NotAcceptable", code: 406) }
    public var isUnsupportedMediaType: Bool { matches("UnsupportedMediaType", code: 415) }
    /// Reason `RequestEntityTooLarge`, or code 413 whatever the reason (as `isTooManyRequests`).
    public var isRequestEntityTooLarge: Bool { reason == "RequestEntityTooLarge" || code == 413 }

    /// apimachinery's `SuggestsClientDelay`: ServerTimeout always asks for a delay (possibly 0 s);
    /// otherwise a positive `details.retryAfterSeconds` does.
    public var suggestsClientDelay: Duration? {
        guard let details else { return nil }
        let seconds = max(0, min(details.retryAfterSeconds ?? 0, 86_400))
        if reason == "ServerTimeout" { return .seconds(seconds) }
        return seconds > 0 ? .seconds(seconds) : nil
    }

    /// The kind this Status refines a response to.
    ///
    /// `Expired` is always `watch.expired` (decision `relist`); so is `Gone` (reason, or code 410 with an
    /// unknown reason) when the request was a watch (`isWatch`) or the message says
    /// "too old resource version".
    public func failureKind(responseStatus: Int, isWatch: Bool = false) -> FailureKind {
        if isResourceExpired { return .watchExpired }
        if isGone, isWatch || message?.contains("too old resource version") == true { return .watchExpired }
        switch reason ?? "" {
        case "AlreadyExists": return .httpAlreadyExists
        case "Conflict": return .httpConflict
        case "NotFound": return .httpNotFound
        case "Gone": return .httpGone
        case "Invalid": return .httpInvalid
        case "TooManyRequests": return .httpThrottled
        case "ServerTimeout": return .httpServerError
        case "InternalError":
            let status = (code ?? 0) > 0 ? code! : responseStatus
            return (500..<600).contains(status) ? HTTPResponseClassifier.kind(forStatus: status) : .httpServerError
        case "Timeout": return .httpGatewayTimeout
        case "ServiceUnavailable": return .httpUnavailable
        case "Unauthorized": return .httpUnauthorized
        case "Forbidden": return .httpForbidden
        case "BadRequest": return .httpBadRequest
        case "MethodNotAllowed": return .httpMethodNotAllowed
        case "RequestEntityTooLarge": return .httpPayloadTooLarge
        case "UnsupportedMediaType": return .httpUnsupportedMediaType
        default: return HTTPResponseClassifier.kind(forStatus: (code ?? 0) > 0 ? code! : responseStatus)
        }
    }

    func decoded(responseStatus: Int, isWatch: Bool = false) -> DecodedAPIError {
        let info = APIErrorInfo(
            format: .kubernetes,
            reason: reason,
            code: code.map { String($0) },
            message: message,
            retryAfter: suggestsClientDelay,
            document: .kubernetes(self)
        )
        return DecodedAPIError(error: .kubernetes(self), kind: failureKind(responseStatus: responseStatus, isWatch: isWatch), info: info)
    }
}
