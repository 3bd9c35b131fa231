import ArgumentParser

/// `triage kube`: talk to a Kubernetes API server through TriageKubernetes (kube-cli.md).
struct KubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract: "Get, list and watch Kubernetes resources with classified failures and a supervised watch.",
        discussion: "Exit status: 0 success (or --duration passed / a signal), 1 failure, 2 bad usage.",
        subcommands: [KubeGetCommand.self, KubeListCommand.self, KubeWatchCommand.self, KubeHandleCommand.self]
    )
}
