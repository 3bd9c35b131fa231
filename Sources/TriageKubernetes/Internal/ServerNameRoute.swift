/// How requests reach an HTTPS server whose certificate is checked against kubeconfig's `tls-server-name`
/// instead of the server URL's host: they are sent to a URL that names the server name, and the HTTP
/// client's `dnsOverride` maps that name back to the server URL's host. AsyncHTTPClient then sends the
/// name as SNI and verifies the certificate against it, and connects where the server URL says. The
/// `Host` header keeps the server URL's authority, as client-go sends it.
struct ServerNameRoute: Sendable, Hashable {
    /// The server URL with its host replaced by the server name: what request URLs start with.
    var base: String
    /// The server URL's `host[:port]`, sent as the `Host` header.
    var authority: String
    /// `[server name: the server URL's host]`, for `HTTPClient.Configuration.dnsOverride`.
    var dnsOverride: [String: String]

    /// `nil` when there is nothing to reroute: no server name, the URL's own host, or not HTTPS.
    init?(server: String, serverName: String?) {
        guard let serverName, !serverName.isEmpty, server.lowercased().hasPrefix("https://") else { return nil }
        let afterScheme = server.index(server.startIndex, offsetBy: "https://".count)
        let authorityEnd = server[afterScheme...].firstIndex(of: "/") ?? server.endIndex
        let authority = String(server[afterScheme..<authorityEnd])
        let host: Substring
        let port: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            // An IPv6 literal: `[::1]:6443`.
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            port = rest.hasPrefix(":") ? rest.dropFirst() : nil
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = Substring(authority)
            port = nil
        }
        guard !host.isEmpty, host.lowercased() != serverName.lowercased() else { return nil }
        let named = serverName.contains(":") ? "[" + serverName + "]" : serverName
        self.base = "https://" + named + (port.map { ":" + $0 } ?? "") + server[authorityEnd...]
        self.authority = authority
        self.dnsOverride = [serverName: String(host)]
    }
}
