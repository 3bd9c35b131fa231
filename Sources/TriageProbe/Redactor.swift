import Foundation
import Triage

/// Keeps secrets out of everything the probe prints.
///
/// It collects the request's secrets — the values of credential headers (``secretHeaders`` and the
/// names given with `--secret-header`), the URL's password (or its user name when no password is
/// given: `https://TOKEN@host/`), and the values of credential query parameters
/// (``secretQueryParameters``) — and replaces each wherever it appears, also in the forms a server or
/// a library may echo it in: percent-encoded, percent-decoded, JSON-escaped and Swift-escaped (as
/// AsyncHTTPClient's error descriptions print header values). The mask is ``mask``.
///
/// SigV4 signatures are masked by form, whoever signed them: `Signature=` (the `Authorization`
/// header) or `X-Amz-Signature=` (a presigned URL) followed by 16 or more hex digits. A signature
/// differs for every request, so no redactor knows its value beforehand; one echoed by a server
/// (`SignatureDoesNotMatch` bodies, proxies' error pages) would let its request be replayed.
///
/// Free-text replacement only applies to secrets of at least ``minimumEchoLength`` (4) characters,
/// so that a one-digit `password=1` does not mask every `1` in a report; the URL itself is
/// redacted by structure (``displayURL(_:)``), whatever the lengths.
public struct Redactor: Sendable {
    /// Headers whose values are secret (lower case; compared case-insensitively).
    public static var secretHeaders: Set<String> { SecretHeaders.standard }
    /// Query parameters (and `#fragment` parameters) whose values are secret (lower case; compared
    /// case-insensitively after percent-decoding the name).
    public static let secretQueryParameters: Set<String> = [
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "sig", "token",
        "access_token", "api_key", "key", "password", "secret", "client_secret",
    ]
    /// What a secret is replaced by.
    public static let mask = "<redacted>"
    /// The shortest secret replaced inside free text (4 characters).
    public static let minimumEchoLength = 4

    /// Header names (lower case) treated as secret: ``secretHeaders`` and the user's own.
    public let secretHeaderNames: Set<String>
    private let secrets: [String]

    /// A redactor for a request: its URL, its headers and the extra header names marked secret.
    public init(url: String, headers: [(name: String, value: String)], secretHeaderNames: some Sequence<String> = []) {
        let names = Self.secretHeaders.union(secretHeaderNames.map { $0.lowercased() })
        self.secretHeaderNames = names
        var found: [String] = []
        if let userInfo = URLSecrets.userInfo(in: url) { found += userInfo.secrets }
        found += URLSecrets.secretParameterValues(in: url)
        for header in headers where names.contains(header.name.lowercased()) {
            found += Self.headerSecrets(header.value)
        }
        var forms = Set<String>()
        for secret in found where secret.count >= Self.minimumEchoLength {
            forms.formUnion(Self.echoForms(of: secret).filter { $0.count >= Self.minimumEchoLength })
        }
        // Longest first, so that a secret containing another is masked whole.
        self.secrets = forms.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// Whether `name` is a secret header.
    public func isSecretHeader(_ name: String) -> Bool {
        secretHeaderNames.contains(name.lowercased())
    }

    /// `text` with every secret and every SigV4 signature replaced by ``mask``.
    public func redact(_ text: String) -> String {
        // Signatures first: the known secrets are then replaced in the final text, so no mask put in
        // for a signature can complete one of them.
        redactingSecrets(Self.maskingSignatures(text))
    }

    private func redactingSecrets(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in secrets {
            if let replaced = Self.replacing(Array(secret.utf8), in: bytes) {
                bytes = replaced
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// `text` with every occurrence of `needle` replaced by ``mask``, or `nil` when there is none.
    ///
    /// On UTF-8 bytes: a match of a whole string's bytes starts and ends on scalar boundaries, so the
    /// result is valid UTF-8. (Foundation's `replacingOccurrences` traps on Linux for some strings
    /// holding NUL and U+FFFD, which the fuzzer found.)
    static func replacing(_ needle: [UInt8], in text: [UInt8]) -> [UInt8]? {
        guard !needle.isEmpty, text.count >= needle.count, let first = needle.first else { return nil }
        var result: [UInt8] = []
        var index = 0
        var found = false
        let last = text.count - needle.count
        while index < text.count {
            if index <= last, text[index] == first, text[index..<(index + needle.count)].elementsEqual(needle) {
                result.append(contentsOf: maskBytes)
                index += needle.count
                found = true
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return found ? result : nil
    }

    static let maskBytes = Array(mask.utf8)

    /// `text` with the hex digits after each `Signature=` (any case of its `S`, so `X-Amz-Signature=`
    /// too) masked, when there are at least 16 of them: shorter runs are not SigV4 signatures (64).
    static func maskingSignatures(_ text: String) -> String {
        guard text.contains("ignature=") else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "ignature=") {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let hex = rest.prefix { $0.isHexDigit }
            if hex.count >= 16 {
                result += mask
                rest = rest.dropFirst(hex.count)
            }
        }
        return result + rest
    }

    /// `url` for display: user info and credential parameters masked by structure, then ``redact(_:)``.
    public func displayURL(_ url: String) -> String {
        redact(URLSecrets.masked(url))
    }

    /// The secrets in a header value: the value, the credential after an auth scheme
    /// (`Bearer abc` → `abc`), and for `Basic` the decoded `user:password` and password.
    static func headerSecrets(_ value: String) -> [String] {
        let value = value.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return [] }
        var secrets = [value]
        if let space = value.firstIndex(of: " ") {
            let scheme = value[..<space].lowercased()
            let credential = value[value.index(after: space)...].trimmingCharacters(in: .whitespaces)
            secrets.append(credential)
            if scheme == "basic", let data = Data(base64Encoded: credential), let decoded = String(data: data, encoding: .utf8) {
                secrets.append(decoded)
                if let colon = decoded.firstIndex(of: ":") { secrets.append(String(decoded[decoded.index(after: colon)...])) }
            }
        }
        // `session=abc; theme=dark`: each cookie value alone may be echoed too.
        for pair in value.split(separator: ";") {
            if let equals = pair.firstIndex(of: "=") { secrets.append(String(pair[pair.index(after: equals)...])) }
        }
        return secrets
    }

    /// The forms a secret may be echoed in.
    static func echoForms(of secret: String) -> Set<String> {
        var forms: Set<String> = [secret]
        if let decoded = secret.removingPercentEncoding { forms.insert(decoded) }
        for allowed in [CharacterSet.urlPasswordAllowed, .urlQueryAllowed, .alphanumerics] {
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: allowed) { forms.insert(encoded) }
        }
        for form in Array(forms) {
            forms.insert(String(String(reflecting: form).dropFirst().dropLast()))  // Swift's escaping
            forms.insert(String(JSONString.quoted(form).dropFirst().dropLast()))
        }
        return forms
    }

    /// A header line safe to show in a usage message.
    static func headerForDisplay(_ text: String) -> String {
        // Without a colon the value cannot be told from the name: show the first word only.
        guard let colon = text.firstIndex(of: ":") else { return String(text.prefix { $0 != " " }.prefix(40)) + " …" }
        let name = text[..<colon]
        return secretHeaders.contains(name.lowercased().trimmingCharacters(in: .whitespaces)) ? "\(name): \(mask)" : text
    }
}
