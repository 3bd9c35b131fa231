import ArgumentParser
import Foundation
import TriageChaos

/// `triage chaos kube`: the fake Kubernetes API server on loopback, with a kubeconfig that reaches it,
/// until SIGINT/SIGTERM — to try `triage kube watch` and `triage kube handle` (or your operator) against.
struct ChaosKubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract: "Serve a fake Kubernetes API server on 127.0.0.1 and write a kubeconfig for it.",
        discussion: """
            HTTPS with a CA made at start (in the kubeconfig), bearer token auth, in-memory objects of any \
            collection path, list with limit/continue, chunked watches with bookmarks, merge patches, the status \
            subresource. Prints the server URL, then serves until SIGINT or SIGTERM.
            """
    )

    @Option(help: "Port; 0 picks a free one.")
    var port = 0

    @Option(help: "Write the kubeconfig here.")
    var kubeconfig: String

    @Option(name: .customLong("object"), help: "Create an object first, as COLLECTION/NAME[:KEY=VALUE,...] (repeatable).")
    var objects: [String] = []

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be within 0…65535") }
        for object in objects where Self.parse(object) == nil {
            throw ValidationError("--object must be /api/... or /apis/.../NAME[:KEY=VALUE,...] (got \(object))")
        }
    }

    /// `/apis/g/v/namespaces/ns/widgets/a:size=3,color=red` → (collection, name, data).
    static func parse(_ text: String) -> (collection: String, name: String, data: [String: String])? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let path = parts.first, path.hasPrefix("/api/") || path.hasPrefix("/apis/"),
              let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
        let name = String(path[path.index(after: slash)...])
        guard !name.isEmpty else { return nil }
        var data: [String: String] = [:]
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: ",") {
            let keyValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard keyValue.count == 2, !keyValue[0].isEmpty else { return nil }
            data[keyValue[0]] = keyValue[1]
        }
        return (String(path[..<slash]), name, data)
    }

    func run() async throws {
        let signal = await TerminationSignal()
        let server = try await FakeKubernetesServer.start(port: port)
        for object in objects {
            if let (collection, name, data) = Self.parse(object) { server.create(in: collection, name: name, data: data) }
        }
        do {
            _ = try server.writeKubeconfig(to: kubeconfig)
        } catch {
            await server.shutdown()
            throw ValidationError("--kubeconfig \(kubeconfig): cannot write it (\((error as NSError).localizedDescription))")
        }
        say("fake Kubernetes API server on \(server.url); kubeconfig written to \(kubeconfig)")
        _ = await signal.wait(limit: nil)
        await server.shutdown()
    }
}
