/// Where a Kubernetes API server is and how to authenticate to it: one context of a kubeconfig,
/// resolved (files named, data decoded), or the in-cluster service account.
///
/// Its `description` names the server and the kind of credential, never a secret.
public struct KubernetesConfiguration: Sendable, CustomStringConvertible {
    /// The API server's base URL, `https://host:port` (no trailing slash).
    public var server: String
    /// PEM certificates to trust for the server; `nil` uses the system's trust roots.
    public var certificateAuthorityPEM: [UInt8]?
    /// Do not verify the server's certificate (default `false`).
    public var insecureSkipTLSVerify: Bool
    /// kubeconfig's `tls-server-name`: the name sent as SNI and verified against the server's certificate
    /// instead of the server URL's host (default `nil`: the URL's host). Applied to HTTPS servers by
    /// ``KubernetesClient`` over an HTTP client made with ``httpClientConfiguration()``.
    public var tlsServerName: String?
    /// How requests authenticate.
    public var credentials: Credentials
    /// The context's namespace (default `"default"`).
    public var namespace: String

    /// How requests authenticate. A bearer token and a client certificate may both be set, as in
    /// kubeconfig; basic auth is used only when no token is.
    public struct Credentials: Sendable, CustomStringConvertible {
        /// A bearer token, or a file holding one (re-read when it changes).
        public var bearer: BearerToken?
        /// `username` and `password`.
        public var basic: BasicAuth?
        /// A client certificate chain and its private key, in PEM.
        public var clientCertificate: ClientCertificate?

        public init(bearer: BearerToken? = nil, basic: BasicAuth? = nil, clientCertificate: ClientCertificate? = nil) {
            self.bearer = bearer
            self.basic = basic
            self.clientCertificate = clientCertificate
        }

        /// No credentials.
        public static var none: Credentials { Credentials() }

        public var description: String {
            var parts: [String] = []
            switch bearer {
            case .token: parts.append("token")
            case .file(let path): parts.append("tokenFile \(path)")
            case nil: break
            }
            if let basic { parts.append("basic \(basic.username)") }
            if clientCertificate != nil { parts.append("client certificate") }
            return parts.isEmpty ? "none" : parts.joined(separator: ", ")
        }
    }

    /// Where a bearer token comes from.
    public enum BearerToken: Sendable, Hashable {
        /// A token given as text.
        case token(String)
        /// A file that holds the token (whitespace trimmed), re-read when its modification time or size
        /// changes and after a 401, as projected service-account tokens rotate.
        case file(String)
    }

    public struct BasicAuth: Sendable, Hashable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    public struct ClientCertificate: Sendable, Hashable {
        public var certificatePEM: [UInt8]
        public var keyPEM: [UInt8]
        public init(certificatePEM: [UInt8], keyPEM: [UInt8]) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
        }
    }

    public init(server: String, certificateAuthorityPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false,
                tlsServerName: String? = nil, credentials: Credentials = .none, namespace: String = "default") {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.credentials = credentials
        self.namespace = namespace
    }

    public var description: String {
        "KubernetesConfiguration(server: \(server), namespace: \(namespace), credentials: \(credentials)"
            + (insecureSkipTLSVerify ? ", insecure" : "") + ")"
    }
}
