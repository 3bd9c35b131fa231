/// A chaos server or proxy was given an address it cannot use: not `HOST:PORT`, a bad port, or a host
/// that is not loopback. Chaos tools only ever listen on, and connect to, `127.0.0.1`, `::1` or `localhost`.
public struct ChaosAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The address as given.
    public var address: String
    /// What it was for ("listen address", "upstream").
    public var role: String
    /// What is wrong with it.
    public var problem: String

    /// An error for `address`, used as `role`, with what is wrong.
    public init(address: String, role: String, problem: String) {
        self.address = address
        self.role = role
        self.problem = problem
    }

    /// "ROLE 'ADDRESS': PROBLEM".
    public var description: String { "\(role) '\(address)': \(problem)" }

    /// The hosts accepted as loopback.
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "::1", "localhost"]

    static func requireLoopback(_ host: String, role: String) throws(ChaosAddressError) {
        guard loopbackHosts.contains(host) else {
            throw ChaosAddressError(address: host, role: role, problem: "not allowed, chaos tools use loopback only (127.0.0.1, ::1, localhost)")
        }
    }

    /// Splits `HOST:PORT` (`[::1]:PORT` for IPv6) and checks the host is loopback and the port in
    /// 1…65535 (0, any free port, too when `allowAnyPort`).
    public static func parse(_ text: String, role: String, allowAnyPort: Bool = false) throws(ChaosAddressError) -> (host: String, port: Int) {
        let host: Substring, portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[close...].dropFirst().drop(while: { $0 == ":" })
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw ChaosAddressError(address: text, role: role, problem: "expected HOST:PORT")
        }
        guard let port = Int(portText), (allowAnyPort ? 0 : 1)...65535 ~= port else {
            throw ChaosAddressError(address: text, role: role, problem: "the port must be within \(allowAnyPort ? 0 : 1)…65535")
        }
        try requireLoopback(String(host), role: role)
        return (String(host), port)
    }
}
