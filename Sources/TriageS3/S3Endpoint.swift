import Foundation

/// Where an S3 service answers and how buckets are addressed on it.
///
/// Path-style (`http://127.0.0.1:9000/bucket/key`) for IP addresses and `localhost`, virtual-hosted
/// (`https://bucket.s3.eu-west-1.amazonaws.com/key`) otherwise, unless ``addressing`` says which.
/// Bucket names that are not valid DNS labels (dots over HTTPS, upper case) fall back to path-style.
public struct S3Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    public var port: Int?
    public var addressing: Addressing

    public enum Addressing: Sendable, Hashable {
        /// Path-style for IPs and `localhost`, virtual-hosted otherwise (the default).
        case automatic
        case pathStyle
        case virtualHosted
    }

    /// Parses `scheme://host[:port]` (a trailing `/` is allowed; a path, query or user info is not).
    /// - Throws: ``S3ConfigurationError`` for anything else.
    public init(url: String, addressing: Addressing = .automatic) throws(S3ConfigurationError) {
        guard let schemeEnd = url.range(of: "://") else { throw S3ConfigurationError("endpoint \(url.debugDescription) has no scheme") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw S3ConfigurationError("endpoint scheme must be http or https, not \(scheme)") }
        var rest = String(url[schemeEnd.upperBound...])
        if rest.hasSuffix("/") { rest.removeLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            throw S3ConfigurationError("endpoint must be scheme://host[:port], without a path or user info")
        }
        var host = rest
        var port: Int?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw S3ConfigurationError("endpoint has an unclosed IPv6 bracket") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ; if port == nil { throw S3ConfigurationError("endpoint port is not a number") } }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw S3ConfigurationError("endpoint port is not a number from 1 to 65535")
            }
            port = parsed
        }
        self.init(scheme: scheme, host: host, port: port, addressing: addressing)
    }

    public init(scheme: String = "https", host: String, port: Int? = nil, addressing: Addressing = .automatic) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.addressing = addressing
    }

    /// AWS's endpoint for `region`: `https://s3.<region>.amazonaws.com`.
    public static func aws(region: String) -> S3Endpoint {
        S3Endpoint(scheme: "https", host: "s3.\(region).amazonaws.com")
    }

    public var description: String { "\(scheme)://\(authority(host: host))" }

    /// Whether `bucket` goes in the path rather than the host name.
    public func usesPathStyle(for bucket: String) -> Bool {
        switch addressing {
        case .pathStyle: return true
        case .virtualHosted: return false
        case .automatic:
            if host == "localhost" || Self.isIPAddress(host) { return true }
            return !Self.isDNSCompatible(bucket, https: scheme == "https")
        }
    }

    /// The request line parts for `bucket` and `key` (either may be empty: the service, the bucket).
    func address(bucket: String, key: String) -> (authority: String, path: String) {
        let encodedKey = SigV4Encoding.path(key)
        if bucket.isEmpty { return (authority(host: host), "/") }
        if usesPathStyle(for: bucket) {
            return (authority(host: host), "/\(bucket)" + (key.isEmpty ? "" : "/\(encodedKey)"))
        }
        return (authority(host: "\(bucket).\(host)"), "/\(encodedKey)")
    }

    func authority(host: String) -> String {
        let shown = host.contains(":") ? "[\(host)]" : host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return shown }
        return "\(shown):\(port)"
    }

    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    /// A bucket name usable as a host label: 3–63 of `a–z 0–9 - .`, starting and ending alphanumeric;
    /// no dots over HTTPS (the wildcard certificate covers one label only).
    static func isDNSCompatible(_ bucket: String, https: Bool) -> Bool {
        guard (3...63).contains(bucket.utf8.count), !(https && bucket.contains(".")) else { return false }
        let allowed = bucket.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }
        guard allowed, let first = bucket.utf8.first, let last = bucket.utf8.last else { return false }
        return first != 45 && first != 46 && last != 45 && last != 46
    }
}

/// A client or endpoint setting that cannot work.
public struct S3ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
