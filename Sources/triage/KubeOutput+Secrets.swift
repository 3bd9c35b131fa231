import Triage
import Foundation
import TriageKubernetes
import TriageProbe

extension KubeOutput {
    /// The secrets of the configuration in use, masked in everything `triage kube` prints: a server or
    /// proxy that echoes the Authorization header in its error must not print the token back.
    private static let redactor = LockedValue(Redactor(url: "", headers: []))

    /// Masks the token (text or file), the basic-auth password and the client key of `configuration`
    /// from now on.
    static func hideSecrets(of configuration: KubernetesConfiguration) {
        var headers: [(name: String, value: String)] = []
        switch configuration.credentials.bearer {
        case .token(let token): headers.append(("Authorization", "Bearer " + token))
        case .file(let path):
            if let token = try? String(contentsOfFile: path, encoding: .utf8) {
                headers.append(("Authorization", "Bearer " + token.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        case nil: break
        }
        if let basic = configuration.credentials.basic {
            headers.append(("Authorization", "Basic " + Data((basic.username + ":" + basic.password).utf8).base64EncodedString()))
        }
        let made = Redactor(url: configuration.server, headers: headers)
        redactor.withLock { $0 = made }
    }

    /// `text` with the configuration's secrets masked.
    static func redacted(_ text: String) -> String {
        redactor.withLock { $0 }.redact(text)
    }
}
