import ArgumentParser
import ServiceLifecycle
import Foundation
import Triage
import TriageKubernetes

/// `triage kube watch PATH`: list, then watch under supervision until `--duration` or a signal.
struct KubeWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "List, then watch a collection under supervision, keeping a local cache.",
        discussion: """
        With --json every line is one object: {"type": "event", ...} for each change applied to the cache, \
        {"type": "decision", ...} for each end of a stream and each failed request, and last {"type": "state", ...}. \
        Exit status: 0 after --duration or a signal, 1 when the watch cannot go on, 2 bad usage.
        """
    )

    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "The collection's API path, e.g. /api/v1/namespaces/default/configmaps.")
    var path: String

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Stop after this many seconds, print the final state, exit 0 (default: until a signal).")
    var duration: Double?

    @Option(help: "timeoutSeconds asked of the server for each watch request (default: drawn from 180...270).")
    var timeoutSeconds: Int?

    @Option(help: "Reconnect when a stream is silent (no event, no bookmark) this many seconds (default: the timeout + 30 s; once bookmarks are seen, the lesser of that and 75 s).")
    var stallTimeout: Double?

    func validate() throws {
        try KubeConnectionOptions.validate(path: path)
        // Bounded by a year, as kube handle's times are: a larger --duration overflowed the sleep's Int64
        // milliseconds and trapped. A stall timeout under 0.1 s would reconnect in a loop.
        if let duration, !(duration > 0 && duration <= Self.longest) { throw ValidationError("--duration must be a number of seconds above 0, at most 31536000") }
        if let timeoutSeconds, !(1...Int(Self.longest)).contains(timeoutSeconds) { throw ValidationError("--timeout-seconds must be from 1 to 31536000") }
        if let stallTimeout, !(stallTimeout >= 0.1 && stallTimeout <= Self.longest) { throw ValidationError("--stall-timeout must be a number of seconds from 0.1 to 31536000") }
    }

    /// The longest time flag accepted: a year, in seconds.
    static let longest = 31_536_000.0

    var policy: WatchPolicy {
        var policy = WatchPolicy.standard
        if let timeoutSeconds { policy.timeoutSeconds = timeoutSeconds...timeoutSeconds }
        if let stallTimeout { policy.stallTimeout = .milliseconds(Int64(stallTimeout * 1000)) }
        return policy
    }

    func run() async throws {
        let configuration = try connection.configuration()
        let signal = await TerminationSignal()
        let json = self.json
        let failed: (any Error)? = try await KubernetesClient.withClient(configuration: configuration) { client in
            let supervisor = WatchSupervisor(client: client, path: path, policy: policy)
            let watching = ServiceGroupConfiguration.ServiceConfiguration(
                service: Watching(supervisor: supervisor, json: json),
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup)
            do {
                // Until --duration, a signal, or the watch giving up (then exit 1).
                _ = try await CommandServiceGroup.run(until: signal, limit: duration, services: [watching])
            } catch {
                Self.report(error, json: json)
                Self.printState(supervisor, json: json)
                return error
            }
            Self.printState(supervisor, json: json)
            return nil
        }
        if failed != nil { throw ProbeExit(code: 1) }
    }

    /// The watch as a `Service`: it prints every update until the group shuts down, and fails the group
    /// when the supervisor gives up.
    struct Watching: Service {
        let supervisor: WatchSupervisor<ContinuousClock>
        let json: Bool

        func run() async throws {
            do {
                try await cancelWhenGracefulShutdown {
                    try await supervisor.run { update in KubeWatchCommand.print(update, json: json) }
                }
            } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                // Stopped by a signal or --duration: not a failure.
            }
        }
    }

    static func print(_ update: WatchUpdate, json: Bool) {
        switch update {
        case .change(let change):
            let object = change.object
            if json {
                say(KubeOutput.object([("type", "\"event\""), ("event", KubeOutput.string(change.type.rawValue)),
                                       ("namespace", KubeOutput.string(object.namespace)), ("name", KubeOutput.string(object.name)),
                                       ("resourceVersion", KubeOutput.string(object.resourceVersion))]))
            } else {
                say("\(change.type.rawValue) \(object.key) resourceVersion=\(object.resourceVersion)" + (change.fromList ? " (list)" : ""))
            }
        case .decision(let verdict):
            if json {
                say(KubeOutput.object([("type", "\"decision\""), ("kind", KubeOutput.string(verdict.kind.id)),
                                       ("decision", KubeOutput.string(verdict.decision.id)),
                                       ("delay_s", KubeOutput.number(verdict.delay.triageSeconds)), ("reason", KubeOutput.string(verdict.reason))]))
            } else {
                say(String(format: "decision %@: %@, wait %.3f s: %@", verdict.kind.id, verdict.decision.id, verdict.delay.triageSeconds, verdict.reason))
            }
        case .listed(let resourceVersion, let objects):
            if !json { say("listed \(objects) objects at resourceVersion \(resourceVersion)") }
        }
    }

    static func report(_ error: any Error, json: Bool) {
        let failure = KubeOutput.failure(error)
        if json {
            say(KubeOutput.object([("type", "\"decision\""), ("kind", KubeOutput.string(failure.kind.id)),
                                   ("decision", KubeOutput.string("giveUp")), ("delay_s", "0"),
                                   ("reason", KubeOutput.string("the watch cannot go on: \(failure.explanation)"))]))
        } else {
            say("gave up: \(failure)")
        }
    }

    static func printState<C>(_ supervisor: WatchSupervisor<C>, json: Bool) {
        let statistics = supervisor.statistics
        let objects = supervisor.cache.snapshot()
        if json {
            let items = objects.map { object in
                KubeOutput.object([("namespace", KubeOutput.string(object.namespace)), ("name", KubeOutput.string(object.name)),
                                   ("resourceVersion", KubeOutput.string(object.resourceVersion))])
            }
            say(KubeOutput.object([("type", "\"state\""), ("resourceVersion", KubeOutput.string(statistics.resourceVersion)),
                                   ("lists", String(statistics.lists)), ("watches", String(statistics.watches)),
                                   ("objects", "[" + items.joined(separator: ", ") + "]")]))
        } else {
            say("state: resourceVersion \(statistics.resourceVersion), \(statistics.lists) lists, \(statistics.watches) watches, \(objects.count) objects")
            for object in objects { say("  \(object.key) resourceVersion=\(object.resourceVersion)") }
        }
    }
}
