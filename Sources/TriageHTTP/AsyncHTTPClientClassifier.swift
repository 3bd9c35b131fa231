@_exported import Triage
@_exported import TriageNIO
import AsyncHTTPClient

/// Classifies every public `HTTPClientError` of AsyncHTTPClient.
///
/// Matching is by the error's `shortDescription`, a bounded set of string literals, so it allocates nothing.
public struct AsyncHTTPClientClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        guard let error = error as? HTTPClientError else { return nil }
        return Self.classify(error)
    }

    static func classify(_ error: HTTPClientError) -> Failure {
        let name = error.shortDescription
        let kind: FailureKind
        switch name {
        case "Invalid URL", "Empty host", "Empty scheme", "Unsupported scheme", "Missing socket path":
            kind = .requestInvalidURL
        case "Read timeout", "Write timeout":
            kind = .responseTimeout
        case "Remote connection closed":
            kind = .connectionClosed
        case "Cancelled", "Request stream cancelled":
            kind = .cancelled
        case "Redirect limit reached", "Redirect cycle detected":
            kind = .redirectTooMany
        case "Unclean shutdown":
            kind = .tlsClosed
        case "Connect timeout", "SOCKS handshake timeout", "HTTP proxy handshake timeout",
            "Get connection from pool timeout":
            kind = .connectTimeout
        case "TLS handshake timeout":
            return Failure(.tlsHandshakeFailed, underlying: error, detail: name)
        case "Deadline exceeded":
            kind = .deadlineExceeded
        case "Invalid proxy response", "HTTP end received after head with 1xx":
            kind = .responseMalformed
        case "Proxy authentication required":
            return Failure(.httpClientError, status: 407, underlying: error, detail: name)
        case "Server offered unsupported application protocol":
            kind = .tlsHandshakeFailed
        default:
            // Request-building and configuration errors: identity coding, chunked twice, missing
            // length, TRACE with a body, bad header names/values, body length mismatch, write after
            // send, incompatible headers, shutdown, invalid configuration, internal state.
            kind = .requestInvalid
        }
        return Failure(kind, underlying: error, detail: name)
    }
}

extension ClassifierChain {
    /// AsyncHTTPClient errors, then SwiftNIO and NIOSSL errors, then the core classifiers.
    public static let asyncHTTPClient = ClassifierChain([AsyncHTTPClientClassifier()]).appending(.nio)
}
