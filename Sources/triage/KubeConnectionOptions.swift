import ArgumentParser
import Foundation
import TriageKubernetes

/// The connection flags every `triage kube` subcommand takes (kube-cli.md, "Connection").
struct KubeConnectionOptions: ParsableArguments {
    @Option(help: "kubeconfig to read (default: $KUBECONFIG, else ~/.kube/config, else in-cluster).")
    var kubeconfig: String?

    @Option(help: "Context to use (default: the kubeconfig's current-context).")
    var context: String?

    @Option(help: "API server URL (overrides the kubeconfig's).")
    var server: String?

    @Option(help: "Bearer token (overrides the kubeconfig's). Never printed.")
    var token: String?

    @Option(help: "CA bundle for the server, PEM (default: the kubeconfig's certificate-authority).")
    var cacert: String?

    @Flag(help: "Do not verify the server certificate.")
    var insecureSkipTlsVerify = false

    /// The configuration these flags select, or a usage error (exit 2) that says why.
    func configuration() throws -> KubernetesConfiguration {
        var configuration: KubernetesConfiguration
        do {
            configuration = try KubernetesConfiguration.load(kubeconfig: kubeconfig, context: context)
        } catch where error.code == .notFound && server != nil {
            configuration = KubernetesConfiguration(server: "")
        } catch {
            throw ValidationError(error.description)
        }
        if let server {
            guard let normalised = Self.normalised(server) else { throw ValidationError("--server must be an http(s) URL") }
            configuration.server = normalised
        }
        if let token { configuration.credentials.bearer = .token(token) }
        if let cacert {
            guard let data = FileManager.default.contents(atPath: cacert) else {
                throw ValidationError("--cacert: cannot read \(cacert)")
            }
            configuration.certificateAuthorityPEM = [UInt8](data)
        }
        if insecureSkipTlsVerify { configuration.insecureSkipTLSVerify = true }
        do {
            _ = try configuration.tlsConfiguration()
        } catch {
            throw ValidationError(error.description)
        }
        KubeOutput.hideSecrets(of: configuration)
        return configuration
    }

    static func normalised(_ server: String) -> String? {
        var text = server
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return nil }
        return text
    }

    /// An API path must start with `/api/` or `/apis/`.
    static func validate(path: String) throws {
        guard path.hasPrefix("/api/") || path.hasPrefix("/apis/") else {
            throw ValidationError("PATH must be an API path starting with /api/ or /apis/ (got \(path))")
        }
    }
}
