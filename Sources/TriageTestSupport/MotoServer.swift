import Foundation
import NIOCore
import NIOPosix
import Triage
import TriageChaos

/// moto's S3-compatible server (`python3 -m moto.server`), started on a free port of 127.0.0.1 for one
/// test and stopped after it.
/// `@unchecked Sendable`: its state is the port and the process, set once; `stop()` may be called from any task.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// `true` when `python3` finds the `moto` package and flask, which its server needs
    /// (scripts/install-test-deps.sh installs both). Looked up without importing them (importing moto
    /// takes seconds of CPU), and waited for without blocking a thread of the cooperative pool.
    public static func isAvailable() async -> Bool {
        let check = "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in ('moto', 'flask', 'werkzeug')) else 1)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", check]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus == 0) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: false)
            }
        }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the server and waits (up to 90 s: it is slow to import on a busy machine) until it answers.
    /// `environment` is added to this process's (`INITIAL_NO_AUTH_ACTION_COUNT` turns authentication on).
    ///
    /// moto binds port 0 and the port is read from the line it prints (` * Running on
    /// http://127.0.0.1:PORT`): a port picked free beforehand could be taken by another test's server
    /// before moto binds it, and then that server would answer in moto's place.
    public static func start(environment: [String: String] = [:]) async throws -> MotoServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // At the lowest priority: importing moto is seconds of CPU, which must not starve the
        // timing-sensitive tests running beside this one on a 2-core machine.
        process.arguments = ["nice", "-n", "19", "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let announced = PortAnnouncement()
        // Read for as long as moto runs: it logs every request, and a full pipe would stop it.
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { announced.read(data) }
        }
        try process.run()
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: .seconds(90))
        while clock.now < giveUp {
            if let port = announced.port {
                let server = MotoServer(port: port, process: process)
                if await Self.accepts(port: port) { return server }
            }
            guard process.isRunning else { throw MotoError(description: "moto.server exited with \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            await process.exited()
        }
        throw MotoError(description: "moto.server did not announce a port and answer within 90 s")
    }

    /// Stops the server at once (SIGKILL: its state is in memory and moto's SIGTERM handler does not
    /// end werkzeug's threaded server) and waits for it to exit.
    public func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
    }

    private static func accepts(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(500))
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Runs `body` with a started server, and stops it afterwards.
    public static func with<T>(environment: [String: String] = [:], _ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await start(environment: environment)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}

/// moto did not start or did not answer.
public struct MotoError: Error, CustomStringConvertible {
    public var description: String
}

/// The port moto announces on its standard error, found as its output arrives.
private final class PortAnnouncement: Sendable {
    private let state = LockedValue<(text: String, port: Int?)>(("", nil))

    var port: Int? { state.withLock { $0.port } }

    func read(_ data: Data) {
        state.withLock { state in
            guard state.port == nil else { return }
            state.text += String(decoding: data, as: UTF8.self)
            if let range = state.text.range(of: "Running on http://127.0.0.1:") {
                state.port = Int(state.text[range.upperBound...].prefix { $0.isNumber })
            }
        }
    }
}
