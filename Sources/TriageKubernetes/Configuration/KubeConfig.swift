/// The kubeconfig file format (`apiVersion: v1`, `kind: Config`), as kubectl reads it.
///
/// Only the fields Triage uses are decoded; unknown fields are ignored, as client-go ignores them.
/// Relative file paths are resolved against the directory of the file that named them
/// (``KubeConfig/resolvingPaths(relativeTo:)``), as client-go does.
public struct KubeConfig: Sendable, Hashable, Codable {
    public struct NamedCluster: Sendable, Hashable, Codable {
        public var name: String
        public var cluster: Cluster
    }

    public struct Cluster: Sendable, Hashable, Codable {
        public var server: String?
        public var certificateAuthority: String?
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool?
        public var tlsServerName: String?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
        }
    }

    public struct NamedUser: Sendable, Hashable, Codable {
        public var name: String
        public var user: User
    }

    /// A user's credentials. Its `description` shows which fields are set, never their values.
    public struct User: Sendable, Hashable, Codable, CustomStringConvertible {
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: String?
        public var clientKey: String?
        public var clientKeyData: String?
        public var username: String?
        public var password: String?
        public var exec: ExecConfig?
        public var authProvider: AuthProvider?

        enum CodingKeys: String, CodingKey {
            case token, tokenFile, username, password, exec
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }

        public var description: String {
            let set: [(String, Bool)] = [
                ("token", token != nil), ("tokenFile", tokenFile != nil),
                ("client-certificate", clientCertificate != nil || clientCertificateData != nil),
                ("client-key", clientKey != nil || clientKeyData != nil),
                ("username", username != nil), ("password", password != nil), ("exec", exec != nil),
            ]
            return "User(" + set.filter(\.1).map(\.0).joined(separator: ", ") + ")"
        }
    }

    /// An `exec` credential plugin: only its command is read, to name it in the refusal.
    public struct ExecConfig: Sendable, Hashable, Codable {
        public var command: String?
        public var apiVersion: String?
    }

    /// A legacy `auth-provider` entry: only its name is read, to name it in the refusal.
    public struct AuthProvider: Sendable, Hashable, Codable {
        public var name: String?
    }

    public struct NamedContext: Sendable, Hashable, Codable {
        public var name: String
        public var context: Context
    }

    public struct Context: Sendable, Hashable, Codable {
        public var cluster: String?
        public var user: String?
        public var namespace: String?
    }

    public var clusters: [NamedCluster]?
    public var users: [NamedUser]?
    public var contexts: [NamedContext]?
    public var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }

    public init(clusters: [NamedCluster]? = nil, users: [NamedUser]? = nil, contexts: [NamedContext]? = nil,
                currentContext: String? = nil) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.currentContext = currentContext
    }
}
