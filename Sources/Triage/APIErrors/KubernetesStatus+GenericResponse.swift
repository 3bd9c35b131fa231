extension KubernetesStatus {
    /// apimachinery's `NewGenericServerResponse`: the Status client-go makes up when an error response's
    /// body is not a Status (a rate limiter's `text/plain` 429, a proxy's HTML 502, an empty body).
    ///
    /// The reason is derived from the HTTP status: 400 `BadRequest`, 401 `Unauthorized`, 403 `Forbidden`,
    /// 404 `NotFound`, 405 `MethodNotAllowed`, 406 `NotAcceptable`, 409 `AlreadyExists` for a POST and
    /// `Conflict` otherwise, 415 `UnsupportedMediaType`, 422 `Invalid`, 429 `TooManyRequests`,
    /// 503 `ServiceUnavailable`, 504 `Timeout`, any other status of 500 or more `InternalError`, and
    /// the unknown reason (`""`) for the rest (410 and 413 among them: their predicates then match by code).
    ///
    /// - Parameters:
    ///   - code: the HTTP status.
    ///   - method: the request's method (only POST matters: a 409 to a create means "already exists").
    ///   - serverMessage: the body as text, kept for 403, 406, 415 and 5xx as apimachinery does.
    ///   - retryAfterSeconds: the `Retry-After` the response named, in whole seconds (client-go reads it
    ///     for 429 and 5xx responses).
    public static func genericServerResponse(
        code: Int,
        method: String = "GET",
        serverMessage: String = "",
        retryAfterSeconds: Int? = nil
    ) -> KubernetesStatus {
        var reason = ""
        var message = "the server responded with the status code \(code) but did not return more information"
        switch code {
        case 409:
            reason = method.uppercased() == "POST" ? "AlreadyExists" : "Conflict"
            message = "the server reported a conflict"
        case 404:
            reason = "NotFound"
            message = "the server could not find the requested resource"
        case 400:
            reason = "BadRequest"
            message = "the server rejected our request for an unknown reason"
        case 401:
            reason = "Unauthorized"
            message = "the server has asked for the client to provide credentials"
        case 403:
            reason = "Forbidden"
            message = serverMessage
        case 406:
            reason = "NotAcceptable"
            message = serverMessage.isEmpty || serverMessage == "unknown"
                ? "the server was unable to respond with a content type that the client supports" : serverMessage
        case 415:
            reason = "UnsupportedMediaType"
            message = serverMessage
        case 405:
            reason = "MethodNotAllowed"
            message = "the server does not allow this method on the requested resource"
        case 422:
            reason = "Invalid"
            message = "the server rejected our request due to an error in our request"
        case 503:
            reason = "ServiceUnavailable"
            message = "the server is currently unable to handle the request"
        case 504:
            reason = "Timeout"
            message = "the server was unable to return a response in the time allotted, but may still be processing the request"
        case 429:
            reason = "TooManyRequests"
            message = "the server has received too many requests and has asked us to try again later"
        case 500...:
            reason = "InternalError"
            message = "an error on the server (\"\(serverMessage)\") has prevented the request from succeeding"
        default:
            break
        }
        let seconds = retryAfterSeconds.map { max(0, min($0, Int(Int32.max))) }
        return KubernetesStatus(
            message: message,
            reason: reason,
            details: Details(retryAfterSeconds: seconds),
            code: code
        )
    }

    /// The Status a Kubernetes API response stands for, as client-go reads it: the body's own Status
    /// when it is one, else ``genericServerResponse(code:method:serverMessage:retryAfterSeconds:)``.
    ///
    /// - Parameters:
    ///   - body: at most the decoder's limit of bytes; an oversized or hostile body counts as "not a Status".
    ///   - retryAfter: the delay the response's headers named, if any (rounded down to whole seconds).
    public static func forResponse(code: Int, method: String, body: [UInt8], retryAfter: Duration?) -> KubernetesStatus {
        if let status = decode(body) { return status }
        let text = String(validating: body.prefix(1024), as: UTF8.self) ?? ""
        let seconds = (code == 429 || code >= 500) ? retryAfter.map { Int($0.components.seconds) } : nil
        return genericServerResponse(code: code, method: method, serverMessage: text.trimmingWhitespace, retryAfterSeconds: seconds)
    }
}
