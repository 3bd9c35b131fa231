import ArgumentParser

@main
struct TriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Classify network failures, explain them, and show what to do next.",
        subcommands: []
    )
}
