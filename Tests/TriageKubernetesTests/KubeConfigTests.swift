import Foundation
import Testing
import TriageChaos
@testable import TriageKubernetes

/// kubeconfig parsing, merging, context resolution, credentials and their typed errors.
@Suite struct KubeConfigTests {
    static let twoContexts = """
    apiVersion: v1
    kind: Config
    clusters:
    - name: prod
      cluster:
        server: https://prod.example:6443/
        insecure-skip-tls-verify: true
        tls-server-name: api.prod
    - name: dev
      cluster:
        server: https://127.0.0.1:8443
    users:
    - name: alice
      user:
        token: s3cret-token
    - name: bob
      user:
        username: bob
        password: hunter2
    contexts:
    - name: prod
      context: {cluster: prod, user: alice, namespace: payments}
    - name: dev
      context: {cluster: dev, user: bob}
    current-context: prod
    """

    @Test func currentContextSelectsClusterUserAndNamespace() throws {
        let configuration = try KubernetesConfiguration(kubeConfig: KubeConfig.parse(Self.twoContexts))
        #expect(configuration.server == "https://prod.example:6443")
        #expect(configuration.insecureSkipTLSVerify)
        #expect(configuration.tlsServerName == "api.prod")
        #expect(configuration.namespace == "payments")
        #expect(configuration.credentials.bearer == .token("s3cret-token"))
    }

    @Test func namedContextWinsAndBasicAuthIsRead() throws {
        let configuration = try KubernetesConfiguration(kubeConfig: KubeConfig.parse(Self.twoContexts), context: "dev")
        #expect(configuration.server == "https://127.0.0.1:8443")
        #expect(configuration.namespace == "default")
        #expect(configuration.credentials.basic == .init(username: "bob", password: "hunter2"))
    }

    @Test func descriptionsNeverShowSecrets() throws {
        let config = try KubeConfig.parse(Self.twoContexts)
        let prod = try KubernetesConfiguration(kubeConfig: config)
        let dev = try KubernetesConfiguration(kubeConfig: config, context: "dev")
        for text in ["\(prod)", "\(dev)", "\(config.users ?? [])", "\(TokenSource(.token("s3cret-token")))"] {
            #expect(!text.contains("s3cret-token"))
            #expect(!text.contains("hunter2"))
        }
    }

    @Test(arguments: [
        ("clusters: {a: 1}", KubernetesConfigurationError.Code.malformed),
        ("clusters:\n- cluster: {server: https://x}\n", .malformed),
        ("key: [unclosed", .malformed),
        ("current-context: nowhere\n", .unknownContext),
        ("contexts:\n- name: c\n  context: {cluster: missing}\ncurrent-context: c\n", .unknownCluster),
        ("clusters:\n- name: k\n  cluster: {server: https://x}\ncontexts:\n- name: c\n  context: {cluster: k, user: ghost}\ncurrent-context: c\n", .unknownUser),
        ("clusters:\n- name: k\n  cluster: {server: 'ftp://x'}\ncontexts:\n- name: c\n  context: {cluster: k}\ncurrent-context: c\n", .invalidServer),
        ("clusters:\n- name: k\n  cluster: {server: 'https://x', certificate-authority-data: '***'}\ncontexts:\n- name: c\n  context: {cluster: k}\ncurrent-context: c\n", .invalidCredentials),
    ])
    func malformedKubeconfigsGetTypedErrors(text: String, code: KubernetesConfigurationError.Code) {
        #expect {
            try KubernetesConfiguration(kubeConfig: KubeConfig.parse(text))
        } throws: { error in
            (error as? KubernetesConfigurationError)?.code == code
        }
    }

    @Test func execPluginIsRefusedNamingThePlugin() throws {
        let text = """
        clusters: [{name: k, cluster: {server: "https://x"}}]
        users:
        - name: eks
          user:
            exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws-iam-authenticator, args: [token]}
        contexts: [{name: c, context: {cluster: k, user: eks}}]
        current-context: c
        """
        let error = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration(kubeConfig: KubeConfig.parse(text))
        }
        #expect(error?.code == .execPluginRefused)
        #expect(error?.message.contains("aws-iam-authenticator") == true)
    }

    @Test func kubeconfigListMergesFirstDefinitionWins() throws {
        let directory = try TemporaryDirectory()
        let first = directory.path + "/one"
        let second = directory.path + "/two"
        try "clusters: [{name: a, cluster: {server: 'https://first:1'}}]\ncontexts: [{name: c, context: {cluster: a, user: u}}]\n"
            .write(toFile: first, atomically: true, encoding: .utf8)
        try """
        clusters: [{name: a, cluster: {server: 'https://second:2'}}, {name: b, cluster: {server: 'https://b:3'}}]
        users: [{name: u, user: {tokenFile: token}}]
        contexts: [{name: c2, context: {cluster: b, user: u}}]
        current-context: c
        """.write(toFile: second, atomically: true, encoding: .utf8)
        try "t".write(toFile: directory.path + "/token", atomically: true, encoding: .utf8)
        let merged = try KubeConfig.load(paths: "\(first)::\(directory.path)/absent:\(second)")
        let configuration = try KubernetesConfiguration(kubeConfig: merged)
        #expect(configuration.server == "https://first:1")
        // The relative token file is resolved against the file that named it.
        #expect(configuration.credentials.bearer == .file(directory.path + "/token"))
        #expect(try KubernetesConfiguration(kubeConfig: merged, context: "c2").server == "https://b:3")
    }

    @Test func environmentOrderIsKubeconfigVariableThenInCluster() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/config"
        try "clusters: [{name: a, cluster: {server: 'https://env:1'}}]\ncontexts: [{name: c, context: {cluster: a}}]\ncurrent-context: c\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try KubernetesConfiguration.load(environment: ["KUBECONFIG": file]).server == "https://env:1")
        #expect {
            try KubernetesConfiguration.load(environment: ["HOME": directory.path])
        } throws: { ($0 as? KubernetesConfigurationError)?.code == .notFound }
    }

    @Test func inClusterReadsServiceAccount() throws {
        let directory = try TemporaryDirectory()
        try "sa-token\n".write(toFile: directory.path + "/token", atomically: true, encoding: .utf8)
        try "kube-system".write(toFile: directory.path + "/namespace", atomically: true, encoding: .utf8)
        try TestCertificates().ca.certificatePEM.write(toFile: directory.path + "/ca.crt", atomically: true, encoding: .utf8)
        let configuration = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"], directory: directory.path)
        #expect(configuration.server == "https://[fd00::1]:443")
        #expect(configuration.namespace == "kube-system")
        #expect(configuration.credentials.bearer == .file(directory.path + "/token"))
        #expect(configuration.certificateAuthorityPEM != nil)
        #expect(throws: KubernetesConfigurationError.self) { try KubernetesConfiguration.inCluster(environment: [:], directory: directory.path) }
    }

    @Test func tokenFileIsReReadWhenItChanges() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/token"
        try "first\n".write(toFile: path, atomically: true, encoding: .utf8)
        let source = TokenSource(.file(path), checkInterval: .zero)
        #expect(source.token() == "first")
        #expect(source.token() == "first")
        #expect(source.fileReads == 1)
        try "second-rotated".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(source.token() == "second-rotated")
        source.invalidate()
        #expect(source.token() == "second-rotated")
        #expect(source.fileReads == 3)
    }

    /// A projected service-account token is `token -> ..data/token`, and rotation repoints only `..data`:
    /// the link's own attributes never change, so the rotated token was not read until a 401.
    @Test func aRotatedProjectedTokenIsReadThroughItsLinks() throws {
        let directory = try TemporaryDirectory()
        let manager = FileManager.default
        for (name, token) in [("v1", "first"), ("v2", "second-rotated-longer")] {
            try manager.createDirectory(atPath: directory.path + "/" + name, withIntermediateDirectories: true)
            try token.write(toFile: directory.path + "/\(name)/token", atomically: true, encoding: .utf8)
        }
        try manager.createSymbolicLink(atPath: directory.path + "/..data", withDestinationPath: "v1")
        try manager.createSymbolicLink(atPath: directory.path + "/token", withDestinationPath: "..data/token")
        let source = TokenSource(.file(directory.path + "/token"), checkInterval: .zero)
        #expect(source.token() == "first")
        // As the kubelet does: a new link, renamed over ..data.
        try manager.createSymbolicLink(atPath: directory.path + "/..data_tmp", withDestinationPath: "v2")
        #expect(rename(directory.path + "/..data_tmp", directory.path + "/..data") == 0)
        #expect(source.token() == "second-rotated-longer")
    }

    /// A tokenFile that is missing or not a file sent requests without Authorization, and only a bare
    /// 401 said why.
    @Test(arguments: ["absent", "directory", "/dev/zero"])
    func aTokenFileThatIsNotAFileIsAConfigurationError(file: String) throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/directory", withIntermediateDirectories: true)
        let text = """
        clusters: [{name: k, cluster: {server: "https://x"}}]
        users: [{name: u, user: {tokenFile: \(file.hasPrefix("/") ? file : directory.path + "/" + file)}}]
        contexts: [{name: c, context: {cluster: k, user: u}}]
        current-context: c
        """
        #expect {
            try KubernetesConfiguration(kubeConfig: KubeConfig.parse(text))
        } throws: { ($0 as? KubernetesConfigurationError)?.code == .unreadableFile }
    }

    @Test func clientCertificateNeedsItsKey() throws {
        let pem = Data(try TestCertificates().ca.certificatePEM.utf8).base64EncodedString()
        let text = """
        clusters: [{name: k, cluster: {server: "https://x"}}]
        users: [{name: u, user: {client-certificate-data: \(pem)}}]
        contexts: [{name: c, context: {cluster: k, user: u}}]
        current-context: c
        """
        #expect {
            try KubernetesConfiguration(kubeConfig: KubeConfig.parse(text))
        } throws: { ($0 as? KubernetesConfigurationError)?.code == .invalidCredentials }
    }
}

/// A directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "triage-kube-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
