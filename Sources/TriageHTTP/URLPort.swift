import Triage

/// The port of a URL's authority, read without parsing the whole URL.
///
/// AsyncHTTPClient 1.x traps (a Swift runtime failure, the process ends) on an IP-literal URL whose
/// port is above 65,535 (`http://127.0.0.1:99999/`): NIO's `SocketAddress(ipAddress:port:)` converts
/// it to 16 bits unchecked. ``ResilientHTTPClient`` checks every URL it sends to (and every redirect
/// it follows) with ``URLPort/outOfRange(in:)`` first and fails with `request.invalidURL` instead.
public enum URLPort {
    /// `request.invalidURL` when `url`'s authority names a port of digits above 65,535; `nil` for any
    /// other URL (no port, a valid one, or one malformed otherwise, which AsyncHTTPClient rejects itself).
    /// A scan of the authority's bytes: no allocation for a URL without a port.
    public static func outOfRange(in url: String) -> Failure? {
        var utf8 = Substring(url).utf8
        guard let schemeEnd = utf8.firstRange(of: "://".utf8) else { return nil }
        utf8 = utf8[schemeEnd.upperBound...]
        // The authority ends at the path, the query or the fragment.
        let authority = utf8.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        // After the user info, if any; after the bracketed host of an IPv6 literal.
        var host = authority[(authority.lastIndex(of: UInt8(ascii: "@")).map(authority.index(after:)) ?? authority.startIndex)...]
        if host.first == UInt8(ascii: "["), let close = host.firstIndex(of: UInt8(ascii: "]")) { host = host[close...] }
        guard let colon = host.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let digits = host[host.index(after: colon)...]
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        var port = 0
        for digit in digits {
            port = port * 10 + Int(digit - UInt8(ascii: "0"))
            if port > 65_535 {
                return Failure(.requestInvalidURL, detail: "the URL's port \(String(decoding: digits, as: UTF8.self)) is above 65535")
            }
        }
        return nil
    }
}
