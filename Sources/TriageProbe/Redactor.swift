import Foundation

/// Keeps secrets out of everything the probe prints: values of credential headers and URL passwords
/// are replaced by `<redacted>` wherever they appear, including inside error texts.
public struct Redactor: Sendable {
    /// Headers whose values are secret (compared case-insensitively).
    public static let secretHeaders: Set<String> = ["authorization", "cookie", "proxy-authorization", "x-amz-security-token", "set-cookie"]
    public static let mask = "<redacted>"

    private var secrets: [String]

    /// A redactor for a request: the URL's password and the secret headers' values.
    public init(url: String, headers: [(name: String, value: String)]) {
        var secrets: [String] = []
        if let password = Self.password(in: url) { secrets.append(password) }
        for header in headers where Self.secretHeaders.contains(header.name.lowercased()) && !header.value.isEmpty {
            secrets.append(header.value)
            // "Bearer abc": the token alone may be echoed too.
            if let space = header.value.firstIndex(of: " ") {
                let token = header.value[header.value.index(after: space)...]
                if token.count >= 4 { secrets.append(String(token)) }
            }
        }
        self.secrets = secrets.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced.
    public func redact(_ text: String) -> String {
        var text = text
        for secret in secrets {
            text = text.replacingOccurrences(of: secret, with: Self.mask)
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed), encoded != secret {
                text = text.replacingOccurrences(of: encoded, with: Self.mask)
            }
        }
        return text
    }

    /// The password of `scheme://user:password@host/...`, if any.
    static func password(in url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = userInfo[userInfo.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }

    /// A header line safe to show in a usage message.
    static func headerForDisplay(_ text: String) -> String {
        // Without a colon the value cannot be told from the name: show the first word only.
        guard let colon = text.firstIndex(of: ":") else { return String(text.prefix { $0 != " " }.prefix(40)) + " …" }
        let name = text[..<colon]
        return secretHeaders.contains(name.lowercased().trimmingCharacters(in: .whitespaces)) ? "\(name): \(mask)" : text
    }
}
