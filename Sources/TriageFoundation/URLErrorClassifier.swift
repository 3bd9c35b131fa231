@_exported import Triage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Classifies Foundation's networking errors: `URLError` codes, `POSIXError`, and any `NSError`
/// (looking inside `NSUnderlyingError`).
///
/// On Linux URLSession is libcurl: TLS failures, unreachable networks and truncated bodies all arrive as
/// `URLError(.unknown)` and only libcurl's text (in `NSLocalizedDescription`, repeated in
/// `NSUnderlyingError`) tells them apart, so for `.unknown`, `.timedOut` and `.badServerResponse`
/// that text is read (``LibcurlText``).
public struct URLErrorClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        switch error {
        case let error as URLError:
            return Self.classify(error)
        case let error as POSIXError:
            return Errno.failure(errno: error.code.rawValue, underlying: error)
        default:
            let error = error as NSError
            switch error.domain {
            case NSURLErrorDomain:
                return Self.classify(URLError(URLError.Code(rawValue: error.code) ?? .unknown, userInfo: error.userInfo))
            case NSPOSIXErrorDomain:
                return Errno.failure(errno: Int32(truncatingIfNeeded: error.code), underlying: error)
            default:
                guard let inner = error.userInfo[NSUnderlyingErrorKey] as? any Error else { return nil }
                return chain.classifyIfKnown(inner)
            }
        }
    }

    static func classify(_ error: URLError) -> Failure? {
        switch error.code {
        case .cancelled:
            return Failure(.cancelled, underlying: error, detail: "URLError.cancelled")
        case .badURL, .unsupportedURL:
            // libcurl reports a response that is not HTTP as "unsupported": "Received HTTP/0.9 when not allowed".
            if text(of: error).lowercased().contains("http/0.9") {
                return Failure(.responseMalformed, underlying: error, detail: "not HTTP (HTTP/0.9)")
            }
            return Failure(.requestInvalidURL, underlying: error, detail: "URLError")
        case .cannotFindHost:
            return Failure(.dnsNotFound, underlying: error, detail: "URLError.cannotFindHost")
        case .dnsLookupFailed:
            return Failure(.dnsFailure, underlying: error, detail: "URLError.dnsLookupFailed")
        case .cannotConnectToHost:
            return Failure(.connectRefused, underlying: error, detail: "URLError.cannotConnectToHost")
        case .networkConnectionLost:
            return Failure(.connectionReset, underlying: error, detail: "URLError.networkConnectionLost")
        case .notConnectedToInternet, .internationalRoamingOff, .dataNotAllowed, .callIsActive:
            return Failure(.networkUnreachable, underlying: error, detail: "URLError")
        case .httpTooManyRedirects, .redirectToNonExistentLocation:
            return Failure(.redirectTooMany, underlying: error, detail: "URLError.httpTooManyRedirects")
        case .userAuthenticationRequired:
            return Failure(.httpUnauthorized, status: 401, underlying: error, detail: "URLError")
        case .cannotDecodeRawData, .cannotDecodeContentData, .cannotParseResponse:
            return Failure(.responseMalformed, underlying: error, detail: "URLError")
        case .zeroByteResource:
            return Failure(.responseIncomplete, underlying: error, detail: "URLError.zeroByteResource")
        case .dataLengthExceedsMaximum:
            return Failure(.requestInvalid, underlying: error, detail: "URLError.dataLengthExceedsMaximum")
        case .secureConnectionFailed, .clientCertificateRejected, .clientCertificateRequired:
            return LibcurlText.classify(text(of: error), underlying: error)
                ?? Failure(.tlsHandshakeFailed, underlying: error, detail: "URLError")
        case .serverCertificateHasBadDate, .serverCertificateNotYetValid:
            return Failure(.tlsCertificateExpired, underlying: error, detail: "URLError")
        case .serverCertificateUntrusted, .serverCertificateHasUnknownRoot:
            return Failure(.tlsCertificateUntrusted, underlying: error, detail: "URLError")
        case .timedOut:
            return LibcurlText.classify(text(of: error), underlying: error)
                ?? Failure(.responseTimeout, underlying: error, detail: "URLError.timedOut")
        case .badServerResponse:
            return LibcurlText.classify(text(of: error), underlying: error)
                ?? Failure(.responseMalformed, underlying: error, detail: "URLError.badServerResponse")
        case .unknown:
            return LibcurlText.classify(text(of: error), underlying: error)
        default:
            return nil
        }
    }

    /// libcurl's message: the localized description and the underlying error's, joined.
    static func text(of error: URLError) -> String {
        var texts: [String] = []
        if let description = error.userInfo[NSLocalizedDescriptionKey] as? String { texts.append(description) }
        if let inner = error.userInfo[NSUnderlyingErrorKey] as? NSError {
            if let description = inner.userInfo[NSLocalizedDescriptionKey] as? String { texts.append(description) }
        }
        return texts.joined(separator: " | ")
    }
}

extension ClassifierChain {
    /// Foundation's URL loading errors, then the core classifiers.
    public static let foundation = ClassifierChain([URLErrorClassifier()] + ClassifierChain.core.classifiers)
}
