import ArgumentParser

/// `triage chaos`: misbehaving servers and proxies on loopback, to try clients against.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run a fault-injecting HTTP server or TCP proxy on loopback.",
        subcommands: [ChaosServeCommand.self, ChaosProxyCommand.self, ChaosKubeCommand.self]
    )
}
