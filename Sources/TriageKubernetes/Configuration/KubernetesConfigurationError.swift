/// Why a Kubernetes configuration could not be loaded: a kubeconfig that is missing, malformed or names
/// something it does not define, a credential Triage refuses (an `exec` plugin), an unreadable file.
///
/// The message never holds a secret: tokens, passwords and keys are named, never quoted.
public struct KubernetesConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let id: String
        init(_ id: String) { self.id = id }
        public var description: String { id }

        /// No kubeconfig was found and the process is not in a cluster.
        public static let notFound = Code("notFound")
        /// A file (kubeconfig, CA, token, certificate, key) could not be read.
        public static let unreadableFile = Code("unreadableFile")
        /// The kubeconfig is not valid YAML or does not have the kubeconfig shape.
        public static let malformed = Code("malformed")
        /// No context is selected, or the selected one is not defined.
        public static let unknownContext = Code("unknownContext")
        /// The context names a cluster that is not defined.
        public static let unknownCluster = Code("unknownCluster")
        /// The context names a user that is not defined.
        public static let unknownUser = Code("unknownUser")
        /// The cluster's `server` is missing or not an `http(s)://` URL.
        public static let invalidServer = Code("invalidServer")
        /// A credential is incomplete or not valid (a certificate without its key, bad base64, ...).
        public static let invalidCredentials = Code("invalidCredentials")
        /// The user authenticates with an `exec` credential plugin, which Triage does not run.
        public static let execPluginRefused = Code("execPluginRefused")
        /// The user authenticates with an `auth-provider` plugin (removed from kubectl), not supported.
        public static let authProviderRefused = Code("authProviderRefused")
    }

    public var code: Code
    /// What happened, for people; names files and entries, never secrets.
    public var message: String
    /// The file concerned, when there is one.
    public var file: String?

    public init(_ code: Code, _ message: String, file: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
    }

    public var description: String {
        "kubeconfig \(code): \(message)" + (file.map { " (\($0))" } ?? "")
    }
}
