/// The parts of an HTTP request that Signature Version 4 signs.
///
/// `path` is already percent-encoded (``S3Endpoint`` builds it); query names and values are raw and
/// encoded when the request is signed or turned into a URL.
public struct SigV4Request: Sendable, Hashable {
    public var method: String
    /// `http` or `https`.
    public var scheme: String
    /// The host and, when it is not the scheme's default, `:port` (the `Host` header's value).
    public var authority: String
    /// The encoded path, starting with `/`.
    public var path: String
    /// Raw query items, in the order they go on the URL.
    public var query: [(name: String, value: String)]
    /// Header names as sent; signing adds `host`, `x-amz-date`, `x-amz-content-sha256` and, with a
    /// session token, `x-amz-security-token`.
    public var headers: [(name: String, value: String)]

    public init(method: String, scheme: String, authority: String, path: String,
                query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
        self.method = method
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The request's URL: `scheme://authority/path?query` with the query encoded.
    public var url: String {
        var url = "\(scheme)://\(authority)\(path)"
        if !query.isEmpty {
            url += "?" + query.map { "\(SigV4Encoding.query($0.name))=\(SigV4Encoding.query($0.value))" }.joined(separator: "&")
        }
        return url
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    mutating func setHeader(_ name: String, _ value: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
        headers.append((name, value))
    }

    public static func == (lhs: SigV4Request, rhs: SigV4Request) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url
            && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
    }
}
