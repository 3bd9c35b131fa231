@_exported import Triage
@_exported import TriageNIO
import AsyncHTTPClient

/// Classifies every public `HTTPClientError` of AsyncHTTPClient.
///
/// Matching is by the error's `Equatable` static values (`.readTimeout`, `.remoteConnectionClosed`, ...);
/// the two errors that carry a value (`unsupportedScheme(_:)`,
/// `serverOfferedUnsupportedApplicationProtocol(_:)`) cannot be compared without it and are matched by
/// their `shortDescription`. Nothing is allocated on the way.
public struct AsyncHTTPClientClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        guard let error = error as? HTTPClientError else { return nil }
        return Self.classify(error)
    }

    static func classify(_ error: HTTPClientError) -> Failure {
        let kind: FailureKind
        switch error {
        case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
            kind = .requestInvalidURL
        case .readTimeout, .writeTimeout:
            kind = .responseTimeout
        case .remoteConnectionClosed:
            kind = .connectionClosed
        case .cancelled, .requestStreamCancelled:
            kind = .cancelled
        case .redirectLimitReached, .redirectCycleDetected:
            kind = .redirectTooMany
        case .uncleanShutdown:
            kind = .tlsClosed
        case .connectTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .getConnectionFromPoolTimeout:
            kind = .connectTimeout
        case .tlsHandshakeTimeout:
            kind = .tlsHandshakeFailed
        case .deadlineExceeded:
            kind = .deadlineExceeded
        case .invalidProxyResponse:
            kind = .responseMalformed
        case .proxyAuthenticationRequired:
            return Failure(.httpClientError, status: 407, underlying: error, detail: error.shortDescription)
        default:
            switch error.shortDescription {
            case "Unsupported scheme": kind = .requestInvalidURL
            case "Server offered unsupported application protocol": kind = .tlsHandshakeFailed
            // Request-building and configuration errors: identity coding, chunked twice, missing
            // length, TRACE with a body, bad header names/values, body length mismatch, write after
            // send, incompatible headers, shutdown, invalid configuration, internal state.
            default: kind = .requestInvalid
            }
        }
        return Failure(kind, underlying: error, detail: error.shortDescription)
    }
}

extension ClassifierChain {
    /// AsyncHTTPClient errors, then SwiftNIO and NIOSSL errors, then the core classifiers.
    public static let asyncHTTPClient = ClassifierChain([AsyncHTTPClientClassifier()]).appending(.nio)
}
