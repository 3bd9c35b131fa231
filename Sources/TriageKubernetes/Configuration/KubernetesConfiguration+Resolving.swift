import Foundation

extension KubernetesConfiguration {
    /// Resolves one context of `config`: `context` or, when `nil`, the kubeconfig's `current-context`.
    ///
    /// Files named by the kubeconfig (CA, client certificate and key) are read now; a token file is
    /// read on each use (``TokenSource``). `-data` fields are base64 and win over the file fields.
    ///
    /// - Throws: ``KubernetesConfigurationError``: `unknownContext`, `unknownCluster`, `unknownUser`,
    ///   `invalidServer`, `invalidCredentials`, `unreadableFile`, or `execPluginRefused` for a user with
    ///   an `exec` plugin (the error names its command; Triage does not run credential plugins, so that
    ///   loading a configuration never starts a process).
    public init(kubeConfig config: KubeConfig, context: String? = nil) throws(KubernetesConfigurationError) {
        guard let contextName = context ?? config.currentContext, !contextName.isEmpty else {
            throw KubernetesConfigurationError(.unknownContext, "no context given and no current-context set")
        }
        guard let named = config.contexts?.first(where: { $0.name == contextName }) else {
            throw KubernetesConfigurationError(.unknownContext, "context \"\(contextName)\" is not defined")
        }
        guard let clusterName = named.context.cluster,
              let cluster = config.clusters?.first(where: { $0.name == clusterName })?.cluster
        else {
            throw KubernetesConfigurationError(.unknownCluster, "context \"\(contextName)\" names cluster \"\(named.context.cluster ?? "")\", which is not defined")
        }
        var credentials = Credentials.none
        if let userName = named.context.user, !userName.isEmpty {
            guard let user = config.users?.first(where: { $0.name == userName })?.user else {
                throw KubernetesConfigurationError(.unknownUser, "context \"\(contextName)\" names user \"\(userName)\", which is not defined")
            }
            credentials = try Self.credentials(of: user, named: userName)
        }
        guard let server = cluster.server, let normalised = Self.normalisedServer(server) else {
            throw KubernetesConfigurationError(.invalidServer, "cluster \"\(clusterName)\" has no http(s) server URL")
        }
        let ca: [UInt8]?
        if let data = cluster.certificateAuthorityData, !data.isEmpty {
            ca = try Self.base64(data, field: "certificate-authority-data of cluster \"\(clusterName)\"")
        } else if let file = cluster.certificateAuthority, !file.isEmpty {
            ca = try Self.read(file)
        } else {
            ca = nil
        }
        self.init(server: normalised, certificateAuthorityPEM: ca, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
                  tlsServerName: cluster.tlsServerName, credentials: credentials,
                  namespace: named.context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    static func credentials(of user: KubeConfig.User, named name: String) throws(KubernetesConfigurationError) -> Credentials {
        if let exec = user.exec {
            throw KubernetesConfigurationError(
                .execPluginRefused,
                "user \"\(name)\" uses the exec credential plugin \"\(exec.command ?? "?")\"; Triage does not run credential plugins: "
                    + "put a token (or tokenFile) in the kubeconfig, or pass --token")
        }
        if let provider = user.authProvider {
            throw KubernetesConfigurationError(.authProviderRefused, "user \"\(name)\" uses the auth-provider \"\(provider.name ?? "?")\", which is not supported")
        }
        var credentials = Credentials.none
        if let token = user.token, !token.isEmpty {
            credentials.bearer = .token(token)
        } else if let file = user.tokenFile, !file.isEmpty {
            // Checked here so that a wrong path is a clear error, not requests without Authorization.
            guard TokenSource.isTokenFile(file) else {
                throw KubernetesConfigurationError(.unreadableFile, "the tokenFile of user \"\(name)\" is not a regular file of at most 1 MiB: \(file)", file: file)
            }
            credentials.bearer = .file(file)
        }
        if let username = user.username, !username.isEmpty {
            credentials.basic = BasicAuth(username: username, password: user.password ?? "")
        }
        let certificate: [UInt8]? = if let data = user.clientCertificateData, !data.isEmpty {
            try base64(data, field: "client-certificate-data of user \"\(name)\"")
        } else if let file = user.clientCertificate, !file.isEmpty { try read(file) } else { nil }
        let key: [UInt8]? = if let data = user.clientKeyData, !data.isEmpty {
            try base64(data, field: "client-key-data of user \"\(name)\"")
        } else if let file = user.clientKey, !file.isEmpty { try read(file) } else { nil }
        switch (certificate, key) {
        case (let certificate?, let key?): credentials.clientCertificate = ClientCertificate(certificatePEM: certificate, keyPEM: key)
        case (nil, nil): break
        case (_?, nil): throw KubernetesConfigurationError(.invalidCredentials, "user \"\(name)\" has a client certificate but no client key")
        case (nil, _?): throw KubernetesConfigurationError(.invalidCredentials, "user \"\(name)\" has a client key but no client certificate")
        }
        return credentials
    }

    /// `https://host:port` without a trailing slash, or `nil` when `server` is not an http(s) URL with a host.
    static func normalisedServer(_ server: String) -> String? {
        var text = server.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty
        else { return nil }
        return text
    }

    static func base64(_ text: String, field: String) throws(KubernetesConfigurationError) -> [UInt8] {
        let cleaned = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: cleaned) else {
            throw KubernetesConfigurationError(.invalidCredentials, "\(field) is not valid base64")
        }
        return [UInt8](data)
    }

    static func read(_ path: String) throws(KubernetesConfigurationError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesConfigurationError(.unreadableFile, "cannot read the file", file: path)
        }
        return [UInt8](data)
    }
}
