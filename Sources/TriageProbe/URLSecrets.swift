import Foundation

/// Finds the secrets a URL carries, by its structure: the user info, and the values of credential
/// parameters in the query and the fragment (OAuth's implicit flow puts `access_token` there).
///
/// It reads the URL as typed, which may not be valid: a password may hold `/`, `?` or `#` that were
/// never percent-encoded (`https://user:pa/ss@host/`). When the authority (up to the first `/`, `?`
/// or `#`) holds no `@` but starts like `user:secret` (a colon not followed by a port number only)
/// and an `@` later is followed by a host name, everything up to that `@` is taken as user info.
enum URLSecrets {
    struct UserInfo {
        /// The user info's range in the URL (without the `@`).
        var range: Range<String.Index>
        /// The user name, or `nil` when it is itself the secret.
        var user: Substring?
        /// The text masked: the password, or the whole user info when it has no password.
        var secrets: [String]
    }

    /// The user info of `url`, if any.
    static func userInfo(in url: String) -> UserInfo? {
        guard let schemeEnd = url.range(of: "://"), url[..<schemeEnd.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            return nil
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let at: String.Index
        if let last = rest[..<authorityEnd].lastIndex(of: "@") {
            at = last
        } else if rest.first != "[", let colon = rest[..<authorityEnd].firstIndex(of: ":"),
                  !rest[rest.index(after: colon)..<authorityEnd].allSatisfy(\.isNumber),
                  let later = firstHostAt(in: rest[authorityEnd...]) {
            at = later
        } else {
            return nil
        }
        let info = rest[..<at]
        guard !info.isEmpty else { return nil }
        if let colon = info.firstIndex(of: ":") {
            let password = info[info.index(after: colon)...]
            if !password.isEmpty {
                return UserInfo(range: info.startIndex..<at, user: info[..<colon], secrets: [String(password), String(info)])
            }
            // `TOKEN:@host`: the user name is the credential.
            return UserInfo(range: info.startIndex..<at, user: nil, secrets: [String(info[..<colon])])
        }
        // `https://TOKEN@host/`: a user name alone is a token as often as a name; mask it.
        return UserInfo(range: info.startIndex..<at, user: nil, secrets: [String(info)])
    }

    /// The first `@` in `text` followed by a host name and then the end, `/`, `?`, `#` or `:`.
    private static func firstHostAt(in text: Substring) -> String.Index? {
        var search = text.startIndex
        while let at = text[search...].firstIndex(of: "@") {
            let after = text[text.index(after: at)...]
            let host = after.prefix { $0.isLetter || $0.isNumber || "-._[]".contains($0) }
            if !host.isEmpty, host.endIndex == text.endIndex || "/?#:".contains(text[host.endIndex]) { return at }
            search = text.index(after: at)
        }
        return nil
    }

    /// The `name=value` parameters of the query and the fragment, as ranges of their values.
    static func secretParameterRanges(in url: String) -> [Range<String.Index>] {
        let afterUserInfo = userInfo(in: url).map { url.index(after: $0.range.upperBound) } ?? url.startIndex
        guard let start = url[afterUserInfo...].firstIndex(where: { $0 == "?" || $0 == "#" }) else { return [] }
        var ranges: [Range<String.Index>] = []
        var index = url.index(after: start)
        while index < url.endIndex {
            let end = url[index...].firstIndex { $0 == "&" || $0 == ";" || $0 == "#" || $0 == "?" } ?? url.endIndex
            let pair = url[index..<end]
            if let equals = pair.firstIndex(of: "="), pair.index(after: equals) < end {
                let name = pair[..<equals]
                let decoded = (String(name).removingPercentEncoding ?? String(name)).lowercased()
                if Redactor.secretQueryParameters.contains(decoded) { ranges.append(pair.index(after: equals)..<end) }
            }
            index = end < url.endIndex ? url.index(after: end) : end
        }
        return ranges
    }

    /// The values of the credential parameters.
    static func secretParameterValues(in url: String) -> [String] {
        secretParameterRanges(in: url).map { String(url[$0]) }
    }

    /// `url` with its user info and credential parameter values replaced by the mask.
    static func masked(_ url: String) -> String {
        var pieces: [(Range<String.Index>, String)] = secretParameterRanges(in: url).map { ($0, Redactor.mask) }
        if let info = userInfo(in: url) {
            pieces.append((info.range, info.user.map { "\($0):\(Redactor.mask)" } ?? Redactor.mask))
        }
        var result = ""
        var cursor = url.startIndex
        for (range, replacement) in pieces.sorted(by: { $0.0.lowerBound < $1.0.lowerBound }) where range.lowerBound >= cursor {
            result += url[cursor..<range.lowerBound] + replacement
            cursor = range.upperBound
        }
        return result + url[cursor...]
    }
}
