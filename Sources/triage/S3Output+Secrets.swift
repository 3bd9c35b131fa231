import Foundation
import Triage
import TriageProbe
import TriageS3

extension S3Output {
    /// The credentials in use, masked in everything `triage s3` prints: a server or proxy that echoes
    /// the request's headers in its error (`message`, `code`, ...) must not print them back.
    private static let redactor = LockedValue(Redactor(url: "", headers: []))

    /// Masks the secret access key and the session token of `credentials` from now on.
    static func hideSecrets(of credentials: S3Credentials) {
        var headers: [(name: String, value: String)] = [("X-Triage-Secret-Access-Key", credentials.secretAccessKey)]
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        let made = Redactor(url: "", headers: headers, secretHeaderNames: ["x-triage-secret-access-key"])
        redactor.withLock { $0 = made }
    }

    /// `text` with the credentials' secrets masked, and with the SigV4 signature of any echoed
    /// `Authorization` header (`Signature=<hex>`; it differs for every request, so it is masked by form).
    static func redacted(_ text: String) -> String {
        maskingSignatures(redactor.withLock { $0 }.redact(text))
    }

    /// `text` with each `Signature=` followed by hex digits (SigV4's Authorization header and
    /// presigned `X-Amz-Signature=`) masked.
    static func maskingSignatures(_ text: String) -> String {
        guard text.contains("ignature=") else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "ignature=") {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let hex = rest.prefix { $0.isHexDigit }
            if hex.count >= 16 {
                result += Redactor.mask
                rest = rest.dropFirst(hex.count)
            }
        }
        return result + rest
    }
}
