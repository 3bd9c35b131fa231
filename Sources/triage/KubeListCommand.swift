import ArgumentParser
import Triage
import TriageKubernetes

/// `triage kube list PATH`: list a collection, following `continue` tokens.
struct KubeListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a collection, following continue tokens.",
        discussion: "Exit status: 0 success, 1 failure (reported as triage probe reports it), 2 bad usage."
    )

    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "The collection's API path, e.g. /api/v1/namespaces/default/configmaps.")
    var path: String

    @Option(help: "Page size (limit) of each list request.")
    var limit = 500

    @Flag(help: "Print one JSON object {\"resourceVersion\": ..., \"items\": [...]}.")
    var json = false

    func validate() throws {
        try KubeConnectionOptions.validate(path: path)
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let configuration = try connection.configuration()
        let outcome: Result<KubernetesObjectList, Triage.Failure> = try await KubernetesClient.withClient(configuration: configuration) { client in
            do {
                let list = try await client.list(path, limit: limit)
                if let bad = list.items.lazy.compactMap(KubeOutput.malformed).first { return .failure(bad) }
                return .success(list)
            } catch {
                return .failure(KubeOutput.failure(error))
            }
        }
        switch outcome {
        case .success(let list):
            if json {
                // The objects as the server sent them, secrets masked: a server may echo the credentials.
                let items = list.items.map { KubeOutput.redacted(String(decoding: $0.json, as: UTF8.self)) }.joined(separator: ", ")
                say(KubeOutput.object([("resourceVersion", KubeOutput.string(list.resourceVersion)), ("items", "[" + items + "]")]))
            } else {
                for item in list.items {
                    say(KubeOutput.redacted("\(item.key) resourceVersion=\(item.resourceVersion)"))
                }
                say("\(list.items.count) items at resourceVersion \(list.resourceVersion)")
            }
        case .failure(let reported):
            let failure = await KubeOutput.diagnosed(reported, configuration: configuration)
            let url = configuration.server + path
            say(json ? KubeOutput.failureJSON(failure, url: url, method: "GET") : KubeOutput.failureText(failure, url: url, method: "GET"))
            throw ProbeExit(code: 1)
        }
    }
}
