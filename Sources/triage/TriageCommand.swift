import ArgumentParser

/// The root command: `triage probe`, `triage demo`, `triage chaos`, `triage bench`.
struct TriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Classify network failures, explain them, and show what to do next.",
        subcommands: [ProbeCommand.self, DemoCommand.self, ChaosCommand.self, BenchCommand.self, KubeCommand.self, OutboxCommand.self, S3Command.self]
    )
}
