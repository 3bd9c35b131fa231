extension ChaosErrorBody {
    /// The `Content-Type` and body of an error response with this shape.
    func render(status: Int, retryAfter: String?, requestNumber: Int) -> (contentType: String, body: String) {
        let phrase = ReasonPhrase.text(for: status)
        switch self {
        case .plain:
            return ("text/plain", "\(status) \(phrase)\n")
        case .kubernetes:
            let reason = Self.kubernetesReason(status)
            var details = ""
            if let seconds = retryAfter.flatMap(Int.init) { details = #","details":{"retryAfterSeconds":\#(seconds)}"# }
            let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"chaos: \#(phrase)","reason":"\#(reason)"\#(details),"code":\#(status)}"#
            return ("application/json", body)
        case .s3:
            let code = Self.s3Code(status)
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>chaos: \(phrase)</Message>"
                + "<RequestId>CHAOS\(String(requestNumber, radix: 16, uppercase: true))</RequestId></Error>"
            return ("application/xml", body)
        }
    }

    static func kubernetesReason(_ status: Int) -> String {
        switch status {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 409: "Conflict"
        case 410: "Expired"
        case 422: "Invalid"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        case 504: "Timeout"
        default: status >= 500 ? "InternalError" : "BadRequest"
        }
    }

    static func s3Code(_ status: Int) -> String {
        switch status {
        case 400: "InvalidRequest"
        case 403: "AccessDenied"
        case 404: "NoSuchKey"
        case 409: "OperationAborted"
        case 429, 503: "SlowDown"
        case 500: "InternalError"
        default: status >= 500 ? "ServiceUnavailable" : "InvalidRequest"
        }
    }
}
