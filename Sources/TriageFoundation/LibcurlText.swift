/// Reads libcurl's error texts, which are all that tell Linux URLSession's `URLError(.unknown)` apart.
///
/// The texts come from libcurl's `CURLOPT_ERRORBUFFER` (e.g. "SSL certificate problem: certificate has
/// expired"); matching is case-insensitive on stable fragments.
public enum LibcurlText {
    /// The failure a libcurl message describes, or `nil` when no rule matches.
    public static func classify(_ text: String, underlying: (any Error)? = nil) -> Failure? {
        let text = text.lowercased()
        for rule in rules where text.contains(rule.fragment) {
            return Failure(rule.kind, underlying: underlying, detail: rule.detail)
        }
        return nil
    }

    private struct Rule: Sendable {
        var fragment: String
        var kind: FailureKind
        var detail: String
    }

    // Order matters: the most specific fragments first ("self-signed certificate in certificate
    // chain" before "self-signed certificate").
    private static let rules: [Rule] = [
        Rule(fragment: "certificate has expired", kind: .tlsCertificateExpired, detail: "certificate has expired"),
        Rule(fragment: "certificate is not yet valid", kind: .tlsCertificateExpired, detail: "certificate is not yet valid"),
        Rule(fragment: "self-signed certificate in certificate chain", kind: .tlsCertificateUntrusted, detail: "self-signed certificate in chain"),
        Rule(fragment: "self-signed certificate", kind: .tlsCertificateUntrusted, detail: "self-signed certificate"),
        Rule(fragment: "self signed certificate", kind: .tlsCertificateUntrusted, detail: "self-signed certificate"),
        Rule(fragment: "unable to get local issuer certificate", kind: .tlsCertificateUntrusted, detail: "unknown issuer"),
        Rule(fragment: "unable to get issuer certificate", kind: .tlsCertificateUntrusted, detail: "unknown issuer"),
        Rule(fragment: "no alternative certificate subject name matches", kind: .tlsHostnameMismatch, detail: "name mismatch"),
        Rule(fragment: "does not match target host name", kind: .tlsHostnameMismatch, detail: "name mismatch"),
        Rule(fragment: "ssl certificate problem", kind: .tlsCertificateInvalid, detail: "SSL certificate problem"),
        Rule(fragment: "wrong version number", kind: .tlsHandshakeFailed, detail: "wrong version number"),
        Rule(fragment: "ssl_connect", kind: .tlsHandshakeFailed, detail: "SSL connect error"),
        Rule(fragment: "tls connect error", kind: .tlsHandshakeFailed, detail: "TLS connect error"),
        Rule(fragment: "ssl connect error", kind: .tlsHandshakeFailed, detail: "SSL connect error"),
        Rule(fragment: "transfer closed with", kind: .responseIncomplete, detail: "transfer closed early"),
        Rule(fragment: "empty reply from server", kind: .connectionClosed, detail: "empty reply"),
        Rule(fragment: "connection reset by peer", kind: .connectionReset, detail: "reset by peer"),
        Rule(fragment: "recv failure", kind: .connectionReset, detail: "recv failure"),
        Rule(fragment: "send failure", kind: .connectionReset, detail: "send failure"),
        Rule(fragment: "connection refused", kind: .connectRefused, detail: "connection refused"),
        Rule(fragment: "no route to host", kind: .networkUnreachable, detail: "no route to host"),
        Rule(fragment: "network is unreachable", kind: .networkUnreachable, detail: "network unreachable"),
        Rule(fragment: "connection timed out after", kind: .connectTimeout, detail: "connect timed out"),
        Rule(fragment: "connection timeout after", kind: .connectTimeout, detail: "connect timed out"),
        Rule(fragment: "resolving timed out", kind: .dnsFailure, detail: "resolver timed out"),
        Rule(fragment: "could not resolve host", kind: .dnsNotFound, detail: "could not resolve host"),
        Rule(fragment: "operation timed out", kind: .responseTimeout, detail: "operation timed out"),
        Rule(fragment: "failed to connect", kind: .networkUnreachable, detail: "failed to connect"),
        Rule(fragment: "couldn't connect to server", kind: .networkUnreachable, detail: "could not connect"),
        Rule(fragment: "invalid argument", kind: .networkUnreachable, detail: "EINVAL from connect"),
        Rule(fragment: "permission denied", kind: .networkUnreachable, detail: "EACCES from connect"),
        Rule(fragment: "malformed", kind: .responseMalformed, detail: "malformed response"),
        Rule(fragment: "weird server reply", kind: .responseMalformed, detail: "weird server reply"),
        Rule(fragment: "unsupported protocol", kind: .requestInvalidURL, detail: "unsupported protocol"),
        Rule(fragment: "url using bad/illegal format", kind: .requestInvalidURL, detail: "bad URL"),
    ]
}
