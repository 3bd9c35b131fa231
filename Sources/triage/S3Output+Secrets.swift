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

    /// `text` with the credentials' secrets masked, and any SigV4 signature (``Redactor/redact(_:)``).
    static func redacted(_ text: String) -> String {
        redactor.withLock { $0 }.redact(text)
    }
}
