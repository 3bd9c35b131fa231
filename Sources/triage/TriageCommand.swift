import ArgumentParser

/// The root command: `triage probe`, `triage demo`.
struct TriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Classify network failures, explain them, and show what to do next.",
        subcommands: [ProbeCommand.self, DemoCommand.self, BenchCommand.self]
    )
}
