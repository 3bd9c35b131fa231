import ArgumentParser
import Foundation
import NIOCore

// A hand-written entry point, so usage errors exit with 2 (probe-json.md) rather than
// ArgumentParser's 64, and a failed probe exits with 1 after its report, with no message of its own.
var command: any ParsableCommand
do {
    command = try TriageCommand.parseAsRoot()
} catch {
    exitReporting(error)
}
do {
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.runAsynchronously()
    } else {
        try command.run()
    }
} catch let probeExit as ProbeExit {
    exit(probeExit.code)
} catch let io as IOError where io.errnoCode == EADDRINUSE {
    // `chaos serve --port P`, `chaos proxy --listen A`: a usage problem, not a failure of the run.
    FileHandle.standardError.write(Data("Error: the address is already in use: pick another port (or 0 for any free one)\n".utf8))
    exit(2)
} catch let validation as ValidationError {
    // Found while running (a kubeconfig that does not parse, a file that cannot be read): the
    // arguments parsed, so the root command's usage text would only mislead.
    FileHandle.standardError.write(Data("Error: \(validation.message)\n".utf8))
    exit(2)
} catch {
    exitReporting(error)
}

/// Prints ArgumentParser's message for `error` and exits: 0 for help and version, 1 for a failure, 2 for bad usage.
func exitReporting(_ error: any Error) -> Never {
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
