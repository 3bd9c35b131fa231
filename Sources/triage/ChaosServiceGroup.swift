import Triage
import Logging
import ServiceLifecycle

/// Runs what a long-running command serves (`chaos serve`, `chaos proxy`; later `kube watch`,
/// `outbox run`) as a `Service` in a swift-service-lifecycle `ServiceGroup`, with graceful shutdown:
/// when SIGINT or SIGTERM arrives (``TerminationSignal``) or `limit` seconds pass, the group shuts
/// down gracefully and each service's `stop` runs once.
enum ChaosServiceGroup {
    /// A resource that runs until graceful shutdown, then stops.
    struct Served: Service {
        let stop: @Sendable () async -> Void

        func run() async throws {
            try? await gracefulShutdown()  // returns on graceful shutdown, throws on cancellation
            await stop()
        }
    }

    /// Waits for a signal or the limit, remembers which, and returns: the group then shuts down.
    struct Stopper: Service {
        let signal: TerminationSignal
        let limit: Double?
        let received: Received

        func run() async throws {
            let number = await signal.wait(limit: limit)
            received.value.withLock { $0 = number }
        }
    }

    final class Received: Sendable {
        let value = LockedValue<Int32?>(nil)
    }

    /// Serves until a signal or `limit` (seconds), then runs every `stop`; returns the signal that
    /// ended it, or `nil` when the limit did. The group's own logging is off: the commands print
    /// their own lines.
    static func run(until signal: TerminationSignal, limit: Double?, stopping stops: [@Sendable () async -> Void]) async throws -> Int32? {
        let received = Received()
        var services = stops.map { ServiceGroupConfiguration.ServiceConfiguration(service: Served(stop: $0)) }
        services.append(.init(service: Stopper(signal: signal, limit: limit, received: received),
                              successTerminationBehavior: .gracefullyShutdownGroup))
        let quiet = Logger(label: "triage.services", factory: { _ in SwiftLogNoOpLogHandler() })
        try await ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: quiet)).run()
        return received.value.withLock { $0 }
    }
}
