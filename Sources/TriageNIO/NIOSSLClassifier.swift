import NIOSSL

/// Classifies NIOSSL's errors: `NIOSSLError`, `BoringSSLError` and `NIOSSLExtraError`.
///
/// BoringSSL reports expired, self-signed and unknown-CA certificates alike (CERTIFICATE_VERIFY_FAILED):
/// those become `tls.certificateInvalid` here; ``TLSDiagnosis`` establishes the exact kind.
public struct NIOSSLClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        switch error {
        case let error as NIOSSLError:
            return Self.classify(error)
        case let error as BoringSSLError:
            // NIOSSL wraps handshake errors in `NIOSSLError.handshakeFailed`: a bare BoringSSL error
            // comes from an established session, after request bytes may have gone out.
            return Self.classify(error, duringHandshake: false, underlying: error)
        case let error as NIOSSLExtraError:
            return Self.classify(error)
        default:
            return nil
        }
    }

    static func classify(_ error: NIOSSLError) -> Failure? {
        switch error {
        case .handshakeFailed(let inner):
            return classify(inner, duringHandshake: true, underlying: error)
        case .shutdownFailed, .uncleanShutdown, .readInInvalidTLSState, .writeDuringTLSShutdown:
            return Failure(.tlsClosed, underlying: error, detail: "NIOSSLError")
        case .cannotMatchULabel:
            return Failure(.tlsHostnameMismatch, underlying: error, detail: "NIOSSLError.cannotMatchULabel")
        case .noCertificateToValidate, .unableToValidateCertificate:
            return Failure(.tlsCertificateInvalid, underlying: error, detail: "NIOSSLError")
        case .failedToLoadCertificate, .failedToLoadPrivateKey, .noSuchFilesystemObject:
            return Failure(.requestInvalid, underlying: error, detail: "TLS configuration")
        default:
            return Failure(.tlsHandshakeFailed, underlying: error, detail: "NIOSSLError")
        }
    }

    static func classify(_ error: BoringSSLError, duringHandshake: Bool, underlying: any Error) -> Failure {
        switch error {
        case .sslError(let stack), .unknownError(let stack):
            // The stack's texts are the only place BoringSSL names the reason; read on the TLS failure path only.
            if stack.contains(where: { String(describing: $0).contains("CERTIFICATE_VERIFY_FAILED") }) {
                return Failure(.tlsCertificateInvalid, underlying: underlying, detail: "CERTIFICATE_VERIFY_FAILED")
            }
            if stack.contains(where: { String(describing: $0).contains("WRONG_VERSION_NUMBER") }) {
                return Failure(.tlsHandshakeFailed, underlying: underlying, detail: "WRONG_VERSION_NUMBER")
            }
            return duringHandshake
                ? Failure(.tlsHandshakeFailed, underlying: underlying, detail: "BoringSSL error")
                : Failure(.tlsClosed, underlying: underlying, detail: "BoringSSL error")
        case .zeroReturn:
            return Failure(.tlsClosed, underlying: underlying, detail: "close_notify")
        default:
            return duringHandshake
                ? Failure(.tlsHandshakeFailed, underlying: underlying, detail: "BoringSSL error")
                : Failure(.tlsClosed, underlying: underlying, detail: "BoringSSL error")
        }
    }

    static func classify(_ error: NIOSSLExtraError) -> Failure {
        if error == .failedToValidateHostname || error == .serverHostnameImpossibleToMatch {
            return Failure(.tlsHostnameMismatch, underlying: error, detail: "failedToValidateHostname")
        }
        if error == .cannotUseIPAddressInSNI || error == .invalidSNIHostname {
            return Failure(.requestInvalid, underlying: error, detail: "invalid SNI name")
        }
        return Failure(.tlsHandshakeFailed, underlying: error, detail: "NIOSSLExtraError")
    }
}
