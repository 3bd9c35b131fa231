import ArgumentParser
import Foundation

// A hand-written entry point, so usage errors exit with 2 (probe-json.md) rather than
// ArgumentParser's 64, and a failed probe exits with 1 after its report, with no message of its own.
do {
    var command = try TriageCommand.parseAsRoot()
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.runAsynchronously()
    } else {
        try command.run()
    }
} catch let probeExit as ProbeExit {
    exit(probeExit.code)
} catch {
    let code = TriageCommand.exitCode(for: error)
    if code == .success {
        TriageCommand.exit(withError: error)
    }
    let message = TriageCommand.fullMessage(for: error)
    if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    exit(code == .failure ? 1 : 2)
}

extension AsyncParsableCommand {
    /// Calls the `async` `run()`: on an existential, plain `run()` would pick the synchronous requirement.
    mutating func runAsynchronously() async throws {
        try await run()
    }
}
