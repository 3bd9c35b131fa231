import Foundation
import Yams

extension KubeConfig {
    /// Parses kubeconfig YAML. `file` names the source in errors.
    ///
    /// - Throws: ``KubernetesConfigurationError`` with code `malformed` when the text is not YAML or not
    ///   a kubeconfig (a list where a map belongs, an entry without its `name`, ...).
    public static func parse(_ text: String, file: String? = nil) throws(KubernetesConfigurationError) -> KubeConfig {
        if text.allSatisfy(\.isWhitespace) { return KubeConfig() }
        do {
            return try YAMLDecoder().decode(KubeConfig.self, from: text)
        } catch let error as DecodingError {
            throw KubernetesConfigurationError(.malformed, Self.describe(error), file: file)
        } catch {
            throw KubernetesConfigurationError(.malformed, "not valid YAML: \(error)", file: file)
        }
    }

    /// Reads and parses one kubeconfig file; relative paths in it are made absolute against its directory.
    public static func load(file path: String) throws(KubernetesConfigurationError) -> KubeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KubernetesConfigurationError(.unreadableFile, "cannot read the kubeconfig", file: path)
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path).resolvingPaths(relativeTo: directory.isEmpty ? "." : directory)
    }

    /// Loads the files of a `$KUBECONFIG`-style list (separated by `:`) and merges them as kubectl
    /// does (``merged(with:)``). Empty entries are skipped; files that do not exist are skipped, as
    /// kubectl skips them, but at least one must exist.
    public static func load(paths: String) throws(KubernetesConfigurationError) -> KubeConfig {
        let files = paths.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        var merged = KubeConfig()
        var found = false
        for file in files where FileManager.default.fileExists(atPath: file) {
            merged = merged.merged(with: try load(file: file))
            found = true
        }
        guard found else { throw KubernetesConfigurationError(.notFound, "none of the files of $KUBECONFIG exists", file: paths) }
        return merged
    }

    /// This configuration with `later` merged in, by kubectl's rule: the first file to define a
    /// cluster, user or context by name wins, and the first `current-context` set wins.
    public func merged(with later: KubeConfig) -> KubeConfig {
        func merge<T>(_ first: [T]?, _ second: [T]?, name: (T) -> String) -> [T]? {
            guard let second else { return first }
            var result = first ?? []
            var names = Set(result.map(name))
            for entry in second where names.insert(name(entry)).inserted { result.append(entry) }
            return result
        }
        return KubeConfig(
            clusters: merge(clusters, later.clusters, name: \.name),
            users: merge(users, later.users, name: \.name),
            contexts: merge(contexts, later.contexts, name: \.name),
            currentContext: (currentContext?.isEmpty ?? true) ? later.currentContext : currentContext
        )
    }

    /// Makes relative file paths (CA, token file, client certificate and key) absolute against `directory`.
    public func resolvingPaths(relativeTo directory: String) -> KubeConfig {
        func absolute(_ path: String?) -> String? {
            guard let path, !path.isEmpty, !path.hasPrefix("/") else { return path }
            return directory + "/" + path
        }
        var copy = self
        copy.clusters = clusters?.map { entry in
            var entry = entry
            entry.cluster.certificateAuthority = absolute(entry.cluster.certificateAuthority)
            return entry
        }
        copy.users = users?.map { entry in
            var entry = entry
            entry.user.tokenFile = absolute(entry.user.tokenFile)
            entry.user.clientCertificate = absolute(entry.user.clientCertificate)
            entry.user.clientKey = absolute(entry.user.clientKey)
            return entry
        }
        return copy
    }

    /// A decoding error as a short sentence: where in the file, and what was expected.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "at \(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "at \(path(context)): missing \(type)"
        case .keyNotFound(let key, let context): return "at \(path(context)): missing key \"\(key.stringValue)\""
        case .dataCorrupted(let context): return "at \(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
