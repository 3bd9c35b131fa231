import ArgumentParser
import Triage
import TriageKubernetes

/// `triage kube get PATH`: GET one object and print it, or the classified failure (exit 1).
struct KubeGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "GET one object (PATH is an API path, e.g. /api/v1/namespaces/default/configmaps/a).",
        discussion: "Exit status: 0 success, 1 failure (reported as triage probe reports it), 2 bad usage."
    )

    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "The object's API path.")
    var path: String

    @Flag(help: "Print a failure as one JSON object (the object itself is always printed as JSON).")
    var json = false

    func validate() throws {
        try KubeConnectionOptions.validate(path: path)
    }

    func run() async throws {
        let configuration = try connection.configuration()
        let outcome: Result<KubernetesObject, Triage.Failure> = try await KubernetesClient.withClient(configuration: configuration) { client in
            do {
                let object = try await client.get(path)
                return KubeOutput.malformed(object).map { .failure($0) } ?? .success(object)
            } catch {
                return .failure(KubeOutput.failure(error))
            }
        }
        switch outcome {
        case .success(let object):
            // The object as the server sent it, secrets masked: a server may echo the credentials.
            say(KubeOutput.redacted(String(decoding: object.json, as: UTF8.self)))
        case .failure(let reported):
            let failure = await KubeOutput.diagnosed(reported, configuration: configuration)
            let url = configuration.server + path
            say(json ? KubeOutput.failureJSON(failure, url: url, method: "GET") : KubeOutput.failureText(failure, url: url, method: "GET"))
            throw ProbeExit(code: 1)
        }
    }
}
