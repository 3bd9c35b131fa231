import Foundation
import Triage
import TriageChaos
import TriageHTTP
import TriageKubernetes

/// A fake API server, a kubeconfig generated for it, and a client loaded from that kubeconfig.
enum FakeCluster {
    static let configmaps = "/api/v1/namespaces/default/configmaps"

    /// Pipeline for tests: two attempts, quick backoff, no breaker (one test's failures must not
    /// open it for the next request).
    static var pipeline: Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(), retry: RetryPolicy(maximumAttempts: 2, backoff: Backoff(.constant, base: .milliseconds(20), cap: .milliseconds(20))),
                 deadline: .seconds(20), attemptTimeout: .seconds(10))
    }

    static func with<T>(
        bookmarkInterval: Duration? = .seconds(1),
        tokenFile: Bool = false,
        pipeline: Pipeline<ContinuousClock> = FakeCluster.pipeline,
        _ body: (FakeKubernetesServer, KubernetesClient<ContinuousClock>, String) async throws -> T
    ) async throws -> T {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: bookmarkInterval)
        let directory = try TemporaryDirectory()
        do {
            let path = try server.writeKubeconfig(to: directory.path + "/kubeconfig", tokenFile: tokenFile ? directory.path + "/token" : nil)
            let configuration = try KubernetesConfiguration.load(kubeconfig: path)
            let result = try await KubernetesClient.withClient(configuration: configuration, pipeline: pipeline) { client in
                try await body(server, client, directory.path)
            }
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// The server's collection as (key, resourceVersion), sorted, to compare with a cache.
    static func serverState(_ server: FakeKubernetesServer, _ collection: String = configmaps) -> [String] {
        server.objects(in: collection).map { "\($0.namespace)/\($0.name)@\($0.resourceVersion)" }.sorted()
    }

    static func cacheState(_ cache: WatchCache) -> [String] {
        cache.snapshot().map { "\($0.key)@\($0.resourceVersion)" }.sorted()
    }
}

/// Waits (yielding, with a real-time safety net) until `condition` holds.
func eventually(_ seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
