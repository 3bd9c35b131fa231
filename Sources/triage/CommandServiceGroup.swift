import Triage
import Logging
import ServiceLifecycle

/// Runs what a long-running command serves (`chaos serve`, `chaos proxy`, `kube watch`, `outbox run`)
/// as `Service`s in a swift-service-lifecycle `ServiceGroup`, with graceful shutdown: when SIGINT or
/// SIGTERM arrives (``TerminationSignal``) or `limit` seconds pass, the group shuts down gracefully
/// and each service stops; a service that ends by itself shuts the group down too, and one that
/// fails cancels it and its error is thrown.
enum CommandServiceGroup {
    /// A resource that runs until graceful shutdown, then stops.
    struct Served: Service {
        let stop: @Sendable () async -> Void

        func run() async throws {
            try? await gracefulShutdown()  // returns on graceful shutdown, throws on cancellation
            await stop()
        }
    }

    /// Waits for a signal or the limit, remembers which, and returns: the group then shuts down. It
    /// also returns when the group shuts down for another reason (a service ended).
    struct Stopper: Service {
        let signal: TerminationSignal
        let limit: Double?
        let received: Received

        func run() async throws {
            let number = try? await cancelWhenGracefulShutdown { await signal.wait(limit: limit) }
            received.value.withLock { $0 = number ?? nil }
        }
    }

    final class Received: Sendable {
        let value = LockedValue<Int32?>(nil)
    }

    /// Serves until a signal or `limit` (seconds), then runs every `stop`; returns the signal that
    /// ended it, or `nil` when the limit did. The group's own logging is off: the commands print
    /// their own lines.
    static func run(until signal: TerminationSignal, limit: Double?, stopping stops: [@Sendable () async -> Void]) async throws -> Int32? {
        try await run(until: signal, limit: limit, services: stops.map { ServiceGroupConfiguration.ServiceConfiguration(service: Served(stop: $0)) })
    }

    /// Runs `services` until a signal, `limit` (seconds), or one of them ends (then the group shuts down
    /// gracefully) or fails (then it is cancelled and the error thrown). Returns the signal, if one ended it.
    static func run(until signal: TerminationSignal, limit: Double?, services: [ServiceGroupConfiguration.ServiceConfiguration]) async throws -> Int32? {
        let received = Received()
        var services = services
        services.append(.init(service: Stopper(signal: signal, limit: limit, received: received),
                              successTerminationBehavior: .gracefullyShutdownGroup))
        let quiet = Logger(label: "triage.services", factory: { _ in SwiftLogNoOpLogHandler() })
        try await ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: quiet)).run()
        return received.value.withLock { $0 }
    }
}
