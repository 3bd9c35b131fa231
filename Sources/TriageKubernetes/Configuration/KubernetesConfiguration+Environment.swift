import Foundation

extension KubernetesConfiguration {
    /// The service account's directory inside a pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster configuration: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the
    /// service account's CA (`ca.crt`), its token file (`token`, re-read as it rotates) and namespace.
    ///
    /// - Parameters:
    ///   - environment: the process environment (default: this process's).
    ///   - directory: where the service account is mounted (default ``serviceAccountDirectory``).
    /// - Throws: `notFound` when the variables are not set, `unreadableFile` when the token is missing.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = serviceAccountDirectory
    ) throws(KubernetesConfigurationError) -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubernetesConfigurationError(.notFound, "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubernetesConfigurationError(.unreadableFile, "the service-account token is missing", file: tokenPath)
        }
        let ca = FileManager.default.contents(atPath: directory + "/ca.crt").map { [UInt8]($0) }
        let namespace = FileManager.default.contents(atPath: directory + "/namespace")
            .flatMap { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        // An IPv6 service address needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubernetesConfiguration(
            server: "https://\(hostPart):\(port)", certificateAuthorityPEM: ca,
            credentials: Credentials(bearer: .file(tokenPath)),
            namespace: (namespace?.isEmpty ?? true) ? "default" : namespace!)
    }

    /// The configuration kubectl would use: `kubeconfig` when given; else the files of `$KUBECONFIG`
    /// merged; else `~/.kube/config` when it exists; else the in-cluster configuration.
    ///
    /// - Parameter context: the context to use (default: the kubeconfig's `current-context`).
    public static func load(
        kubeconfig: String? = nil,
        context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubernetesConfigurationError) -> KubernetesConfiguration {
        if let kubeconfig {
            return try KubernetesConfiguration(kubeConfig: KubeConfig.load(file: kubeconfig), context: context)
        }
        if let paths = environment["KUBECONFIG"], !paths.isEmpty {
            return try KubernetesConfiguration(kubeConfig: KubeConfig.load(paths: paths), context: context)
        }
        if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            return try KubernetesConfiguration(kubeConfig: KubeConfig.load(file: home + "/.kube/config"), context: context)
        }
        do {
            return try inCluster(environment: environment)
        } catch {
            throw KubernetesConfigurationError(.notFound, "no --kubeconfig, no $KUBECONFIG, no ~/.kube/config, and not in a cluster")
        }
    }
}
