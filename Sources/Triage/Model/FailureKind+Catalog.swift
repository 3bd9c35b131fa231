// The kinds of taxonomy.md. Ids are a public contract: add kinds, never rename or remove one.

extension FailureKind {
    /// `dns.notFound`: name not found. Default decision `retry`, delivery `notSent`.
    public static let dnsNotFound = FailureKind(id: "dns.notFound", decision: .retry, delivery: .notSent, summary: "name not found")
    /// `dns.failure`: name resolution failed. Default decision `retry`, delivery `notSent`.
    public static let dnsFailure = FailureKind(id: "dns.failure", decision: .retry, delivery: .notSent, summary: "name resolution failed")
    /// `connect.refused`: connection refused. Default decision `retry`, delivery `notSent`.
    public static let connectRefused = FailureKind(id: "connect.refused", decision: .retry, delivery: .notSent, summary: "connection refused")
    /// `connect.timeout`: connect timed out. Default decision `retry`, delivery `notSent`.
    public static let connectTimeout = FailureKind(id: "connect.timeout", decision: .retry, delivery: .notSent, summary: "connect timed out")
    /// `network.unreachable`: network unreachable. Default decision `retry`, delivery `notSent`.
    public static let networkUnreachable = FailureKind(id: "network.unreachable", decision: .retry, delivery: .notSent, summary: "network unreachable")
    /// `tls.certificateExpired`: TLS certificate expired or not yet valid. Default decision `fail`, delivery `notSent`.
    public static let tlsCertificateExpired = FailureKind(id: "tls.certificateExpired", decision: .fail, delivery: .notSent, summary: "TLS certificate expired or not yet valid")
    /// `tls.certificateUntrusted`: TLS certificate untrusted. Default decision `fail`, delivery `notSent`.
    public static let tlsCertificateUntrusted = FailureKind(id: "tls.certificateUntrusted", decision: .fail, delivery: .notSent, summary: "TLS certificate untrusted")
    /// `tls.hostnameMismatch`: TLS certificate does not name the host. Default decision `fail`, delivery `notSent`.
    public static let tlsHostnameMismatch = FailureKind(id: "tls.hostnameMismatch", decision: .fail, delivery: .notSent, summary: "TLS certificate does not name the host")
    /// `tls.certificateInvalid`: TLS certificate invalid. Default decision `fail`, delivery `notSent`.
    public static let tlsCertificateInvalid = FailureKind(id: "tls.certificateInvalid", decision: .fail, delivery: .notSent, summary: "TLS certificate invalid")
    /// `tls.handshakeFailed`: TLS handshake failed. Default decision `retry`, delivery `notSent`.
    public static let tlsHandshakeFailed = FailureKind(id: "tls.handshakeFailed", decision: .retry, delivery: .notSent, summary: "TLS handshake failed")
    /// `tls.closed`: TLS session broke. Default decision `retry`, delivery `maybeProcessed`.
    public static let tlsClosed = FailureKind(id: "tls.closed", decision: .retry, delivery: .maybeProcessed, summary: "TLS session broke")
    /// `connection.reset`: connection reset. Default decision `retry`, delivery `maybeProcessed`.
    public static let connectionReset = FailureKind(id: "connection.reset", decision: .retry, delivery: .maybeProcessed, summary: "connection reset")
    /// `connection.closed`: connection closed before the response. Default decision `retry`, delivery `maybeProcessed`.
    public static let connectionClosed = FailureKind(id: "connection.closed", decision: .retry, delivery: .maybeProcessed, summary: "connection closed before the response")
    /// `response.timeout`: no response in time. Default decision `retry`, delivery `maybeProcessed`.
    public static let responseTimeout = FailureKind(id: "response.timeout", decision: .retry, delivery: .maybeProcessed, summary: "no response in time")
    /// `response.incomplete`: response body cut short. Default decision `retry`, delivery `maybeProcessed`.
    public static let responseIncomplete = FailureKind(id: "response.incomplete", decision: .retry, delivery: .maybeProcessed, summary: "response body cut short")
    /// `response.malformed`: the response is not valid HTTP, or its body is not what the protocol
    /// defines (a Kubernetes list that is not JSON, an S3 listing that is not XML). Default decision
    /// `retry`, delivery `maybeProcessed`.
    public static let responseMalformed = FailureKind(id: "response.malformed", decision: .retry, delivery: .maybeProcessed,
                                                      summary: "response is malformed (not valid HTTP, or a body that cannot be decoded)")
    /// `redirect.tooMany`: too many redirects. Default decision `fail`, delivery `processed`.
    public static let redirectTooMany = FailureKind(id: "redirect.tooMany", decision: .fail, delivery: .processed, summary: "too many redirects")
    /// `request.invalidURL`: invalid URL. Default decision `fail`, delivery `notSent`.
    public static let requestInvalidURL = FailureKind(id: "request.invalidURL", decision: .fail, delivery: .notSent, summary: "invalid URL")
    /// `request.invalid`: invalid request. Default decision `fail`, delivery `notSent`.
    public static let requestInvalid = FailureKind(id: "request.invalid", decision: .fail, delivery: .notSent, summary: "invalid request")
    /// `attempt.timeout`: attempt timed out. Default decision `retry`, delivery `maybeProcessed`.
    public static let attemptTimeout = FailureKind(id: "attempt.timeout", decision: .retry, delivery: .maybeProcessed, summary: "attempt timed out")
    /// `deadline.exceeded`: deadline exceeded. Default decision `stop`, delivery `maybeProcessed`.
    public static let deadlineExceeded = FailureKind(id: "deadline.exceeded", decision: .stop, delivery: .maybeProcessed, summary: "deadline exceeded")
    /// `cancelled`: cancelled. Default decision `stop`, delivery `maybeProcessed`.
    public static let cancelled = FailureKind(id: "cancelled", decision: .stop, delivery: .maybeProcessed, summary: "cancelled")
    /// `http.badRequest`: HTTP 400 Bad Request. Default decision `fail`, delivery `processed`.
    public static let httpBadRequest = FailureKind(id: "http.badRequest", decision: .fail, delivery: .processed, summary: "HTTP 400 Bad Request")
    /// `http.unauthorized`: HTTP 401 Unauthorized. Default decision `fail`, delivery `processed`.
    public static let httpUnauthorized = FailureKind(id: "http.unauthorized", decision: .fail, delivery: .processed, summary: "HTTP 401 Unauthorized")
    /// `http.forbidden`: HTTP 403 Forbidden. Default decision `fail`, delivery `processed`.
    public static let httpForbidden = FailureKind(id: "http.forbidden", decision: .fail, delivery: .processed, summary: "HTTP 403 Forbidden")
    /// `http.notFound`: HTTP 404 Not Found. Default decision `fail`, delivery `processed`.
    public static let httpNotFound = FailureKind(id: "http.notFound", decision: .fail, delivery: .processed, summary: "HTTP 404 Not Found")
    /// `http.methodNotAllowed`: HTTP 405 Method Not Allowed. Default decision `fail`, delivery `processed`.
    public static let httpMethodNotAllowed = FailureKind(id: "http.methodNotAllowed", decision: .fail, delivery: .processed, summary: "HTTP 405 Method Not Allowed")
    /// `http.requestTimeout`: HTTP 408 Request Timeout. Default decision `retry`, delivery `processed`.
    public static let httpRequestTimeout = FailureKind(id: "http.requestTimeout", decision: .retry, delivery: .processed, summary: "HTTP 408 Request Timeout")
    /// `http.conflict`: HTTP 409 Conflict. Default decision `refresh`, delivery `processed`.
    public static let httpConflict = FailureKind(id: "http.conflict", decision: .refresh, delivery: .processed, summary: "HTTP 409 Conflict")
    /// `http.alreadyExists`: already exists. Default decision `fail`, delivery `processed`.
    public static let httpAlreadyExists = FailureKind(id: "http.alreadyExists", decision: .fail, delivery: .processed, summary: "already exists")
    /// `http.gone`: HTTP 410 Gone. Default decision `fail`, delivery `processed`.
    public static let httpGone = FailureKind(id: "http.gone", decision: .fail, delivery: .processed, summary: "HTTP 410 Gone")
    /// `http.preconditionFailed`: HTTP 412 Precondition Failed. Default decision `refresh`, delivery `processed`.
    public static let httpPreconditionFailed = FailureKind(id: "http.preconditionFailed", decision: .refresh, delivery: .processed, summary: "HTTP 412 Precondition Failed")
    /// `http.payloadTooLarge`: HTTP 413 Content Too Large. Default decision `fail`, delivery `processed`.
    public static let httpPayloadTooLarge = FailureKind(id: "http.payloadTooLarge", decision: .fail, delivery: .processed, summary: "HTTP 413 Content Too Large")
    /// `http.unsupportedMediaType`: HTTP 415 Unsupported Media Type. Default decision `fail`, delivery `processed`.
    public static let httpUnsupportedMediaType = FailureKind(id: "http.unsupportedMediaType", decision: .fail, delivery: .processed, summary: "HTTP 415 Unsupported Media Type")
    /// `http.invalid`: HTTP 422 Unprocessable Content. Default decision `fail`, delivery `processed`.
    public static let httpInvalid = FailureKind(id: "http.invalid", decision: .fail, delivery: .processed, summary: "HTTP 422 Unprocessable Content")
    /// `http.tooEarly`: HTTP 425 Too Early. Default decision `retry`, delivery `processed`.
    public static let httpTooEarly = FailureKind(id: "http.tooEarly", decision: .retry, delivery: .processed, summary: "HTTP 425 Too Early")
    /// `http.throttled`: throttled. Default decision `retry`, delivery `processed`.
    public static let httpThrottled = FailureKind(id: "http.throttled", decision: .retry, delivery: .processed, summary: "throttled")
    /// `http.clientError`: HTTP client error. Default decision `fail`, delivery `processed`.
    public static let httpClientError = FailureKind(id: "http.clientError", decision: .fail, delivery: .processed, summary: "HTTP client error")
    /// `http.serverError`: HTTP server error. Default decision `retry`, delivery `processed`.
    public static let httpServerError = FailureKind(id: "http.serverError", decision: .retry, delivery: .processed, summary: "HTTP server error")
    /// `http.notImplemented`: HTTP not implemented. Default decision `fail`, delivery `processed`.
    public static let httpNotImplemented = FailureKind(id: "http.notImplemented", decision: .fail, delivery: .processed, summary: "HTTP not implemented")
    /// `http.badGateway`: HTTP 502 Bad Gateway. Default decision `retry`, delivery `processed`.
    public static let httpBadGateway = FailureKind(id: "http.badGateway", decision: .retry, delivery: .processed, summary: "HTTP 502 Bad Gateway")
    /// `http.unavailable`: HTTP 503 Service Unavailable. Default decision `retry`, delivery `processed`.
    public static let httpUnavailable = FailureKind(id: "http.unavailable", decision: .retry, delivery: .processed, summary: "HTTP 503 Service Unavailable")
    /// `http.gatewayTimeout`: HTTP 504 Gateway Timeout. Default decision `retry`, delivery `processed`.
    public static let httpGatewayTimeout = FailureKind(id: "http.gatewayTimeout", decision: .retry, delivery: .processed, summary: "HTTP 504 Gateway Timeout")
    /// `http.clockSkew`: request time too skewed. Default decision `retry`, delivery `processed`.
    public static let httpClockSkew = FailureKind(id: "http.clockSkew", decision: .retry, delivery: .processed, summary: "request time too skewed")
    /// `stream.ended`: stream ended normally. Default decision `reconnect`, delivery `processed`.
    public static let streamEnded = FailureKind(id: "stream.ended", decision: .reconnect, delivery: .processed, summary: "stream ended normally")
    /// `stream.endedEarly`: stream ended early. Default decision `retry`, delivery `maybeProcessed`.
    public static let streamEndedEarly = FailureKind(id: "stream.endedEarly", decision: .retry, delivery: .maybeProcessed, summary: "stream ended early")
    /// `stream.stalled`: stream stalled. Default decision `reconnect`, delivery `maybeProcessed`.
    public static let streamStalled = FailureKind(id: "stream.stalled", decision: .reconnect, delivery: .maybeProcessed, summary: "stream stalled")
    /// `watch.expired`: resume point too old. Default decision `relist`, delivery `processed`.
    public static let watchExpired = FailureKind(id: "watch.expired", decision: .relist, delivery: .processed, summary: "resume point too old")
    /// `circuit.open`: circuit open. Default decision `retryAfter`, delivery `notSent`.
    public static let circuitOpen = FailureKind(id: "circuit.open", decision: .retryAfter, delivery: .notSent, summary: "circuit open")
    /// `budget.exhausted`: retry budget exhausted. Default decision `stop`, delivery `maybeProcessed`.
    public static let budgetExhausted = FailureKind(id: "budget.exhausted", decision: .stop, delivery: .maybeProcessed, summary: "retry budget exhausted")
    /// `concurrency.limited`: concurrency limit reached. Default decision `retry`, delivery `notSent`.
    public static let concurrencyLimited = FailureKind(id: "concurrency.limited", decision: .retry, delivery: .notSent, summary: "concurrency limit reached")
    /// `handler.temporary`: temporary handler error. Default decision `retry`, delivery `maybeProcessed`.
    public static let handlerTemporary = FailureKind(id: "handler.temporary", decision: .retry, delivery: .maybeProcessed, summary: "temporary handler error")
    /// `handler.permanent`: permanent handler error. Default decision `fail`, delivery `maybeProcessed`.
    public static let handlerPermanent = FailureKind(id: "handler.permanent", decision: .fail, delivery: .maybeProcessed, summary: "permanent handler error")
    /// `handler.timeout`: handler timed out. Default decision `fail`, delivery `maybeProcessed`.
    public static let handlerTimeout = FailureKind(id: "handler.timeout", decision: .fail, delivery: .maybeProcessed, summary: "handler timed out")
    /// `handler.retriesExhausted`: handler retries exhausted. Default decision `fail`, delivery `maybeProcessed`.
    public static let handlerRetriesExhausted = FailureKind(id: "handler.retriesExhausted", decision: .fail, delivery: .maybeProcessed, summary: "handler retries exhausted")
    /// `outbox.full`: outbox full. Default decision `stop`, delivery `notSent`.
    public static let outboxFull = FailureKind(id: "outbox.full", decision: .stop, delivery: .notSent, summary: "outbox full")
    /// `message.expired`: message expired before delivery. Default decision `fail`, delivery `maybeProcessed`.
    public static let messageExpired = FailureKind(id: "message.expired", decision: .fail, delivery: .maybeProcessed, summary: "message expired before delivery")
    /// `unknown`: unrecognised error. Default decision `fail`, delivery `maybeProcessed`.
    public static let unknown = FailureKind(id: "unknown", decision: .fail, delivery: .maybeProcessed, summary: "unrecognised error")

    /// Every kind of taxonomy.md, in its order.
    public static let allStandard: [FailureKind] = [
        .dnsNotFound,
        .dnsFailure,
        .connectRefused,
        .connectTimeout,
        .networkUnreachable,
        .tlsCertificateExpired,
        .tlsCertificateUntrusted,
        .tlsHostnameMismatch,
        .tlsCertificateInvalid,
        .tlsHandshakeFailed,
        .tlsClosed,
        .connectionReset,
        .connectionClosed,
        .responseTimeout,
        .responseIncomplete,
        .responseMalformed,
        .redirectTooMany,
        .requestInvalidURL,
        .requestInvalid,
        .attemptTimeout,
        .deadlineExceeded,
        .cancelled,
        .httpBadRequest,
        .httpUnauthorized,
        .httpForbidden,
        .httpNotFound,
        .httpMethodNotAllowed,
        .httpRequestTimeout,
        .httpConflict,
        .httpAlreadyExists,
        .httpGone,
        .httpPreconditionFailed,
        .httpPayloadTooLarge,
        .httpUnsupportedMediaType,
        .httpInvalid,
        .httpTooEarly,
        .httpThrottled,
        .httpClientError,
        .httpServerError,
        .httpNotImplemented,
        .httpBadGateway,
        .httpUnavailable,
        .httpGatewayTimeout,
        .httpClockSkew,
        .streamEnded,
        .streamEndedEarly,
        .streamStalled,
        .watchExpired,
        .circuitOpen,
        .budgetExhausted,
        .concurrencyLimited,
        .handlerTemporary,
        .handlerPermanent,
        .handlerTimeout,
        .handlerRetriesExhausted,
        .outboxFull,
        .messageExpired,
        .unknown,
    ]
}
