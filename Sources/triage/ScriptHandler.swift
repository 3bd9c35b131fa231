import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif
import TriageHandlers

/// Runs a command as a handler (handlers-cli.md): the object on stdin, the `TRIAGE_*` environment,
/// its exit read by ``ScriptVerdict``. A cancelled invocation (the attempt timeout, or shutdown) gets
/// SIGTERM, then SIGKILL 2 s later.
struct ScriptHandler: Sendable {
    var command: String
    var arguments: [String]
    /// The delay of an exit 75 whose stdout names none (`--temporary-delay`).
    var temporaryDelay: Duration

    /// The most of stdout and stderr kept, each (1 MiB); a script that writes more is an arbitrary error.
    static let outputLimit = 1 << 20

    func run(_ context: HandlerContext) async throws {
        let environment: [Environment.Key: String?] = [
            "TRIAGE_CAUSE": context.cause.rawValue,
            "TRIAGE_RETRY": String(context.retry),
            "TRIAGE_STARTED": context.started.formatted(.iso8601),
            "TRIAGE_OBJECT_NAME": context.object.name,
            "TRIAGE_OBJECT_NAMESPACE": context.object.namespace ?? "",
        ]
        var platform = PlatformOptions()
        platform.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let executable: Executable = command.contains("/") ? .path(FilePath(command)) : .name(command)
        // The object reaches stdin from a file, not a pipe: swift-subprocess 1.0.2 traps ("FileDescriptor
        // was not closed") when a script exits before reading a piped input.
        let input = try Self.objectFile(context.body)
        defer { try? input.close() }
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: .inherit.updating(environment),
            platformOptions: platform, input: .fileDescriptor(input, closeAfterSpawningProcess: false),
            output: .string(limit: Self.outputLimit), error: .string(limit: Self.outputLimit)
        )
        let exit: Int32?
        let signal: Int32?
        switch result.terminationStatus {
        case .exited(let code): (exit, signal) = (code, nil)
        case .signaled(let number): (exit, signal) = (nil, number)
        }
        try ScriptVerdict.result(exit: exit, signal: signal, standardOutput: result.standardOutput,
                                 standardError: result.standardError, temporaryDelay: temporaryDelay).get()
    }

    /// An unlinked temporary file holding `body`, open for reading from its start.
    static func objectFile(_ body: [UInt8]) throws -> FileDescriptor {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("triage-object-\(UUID().uuidString).json").path
        let descriptor = try FileDescriptor.open(FilePath(path), .readWrite, options: [.create, .exclusiveCreate], permissions: .ownerReadWrite)
        _ = unlink(path)
        do {
            _ = try descriptor.writeAll(body)
            _ = try descriptor.seek(offset: 0, from: .start)
        } catch {
            try? descriptor.close()
            throw error
        }
        return descriptor
    }
}
