import AsyncHTTPClient
import Foundation
import Triage
import TriageChaos
import TriageHTTP
import TriageKubernetes
import TriageTestKit

/// Collects what a supervisor hands out.
final class UpdateRecorder: Sendable {
    private let updates = LockedValue<[WatchUpdate]>([])

    func append(_ update: WatchUpdate) { updates.withLock { $0.append(update) } }

    var all: [WatchUpdate] { updates.withLock { $0 } }

    var verdicts: [WatchVerdict] {
        all.compactMap { if case .decision(let verdict) = $0 { verdict } else { nil } }
    }

    var changes: [WatchChange] {
        all.compactMap { if case .change(let change) = $0 { change } else { nil } }
    }

    /// Replays the changes from an empty cache (what a consumer of `triage kube watch --json` does).
    var replayed: [String] {
        var objects: [String: String] = [:]
        for change in changes {
            switch change.type {
            case .added, .modified: objects[change.object.key] = change.object.resourceVersion
            case .deleted: objects[change.object.key] = nil
            }
        }
        return objects.map { "\($0.key)@\($0.value)" }.sorted()
    }
}

extension FakeCluster {
    /// A client whose pipeline (and so the supervisor) runs on `clock`; its requests are tried once
    /// unless `retry` says otherwise.
    static func withManualClient<T>(
        _ clock: ManualClock,
        bookmarkInterval: Duration? = nil,
        retry: RetryPolicy = .never,
        _ body: (FakeKubernetesServer, KubernetesClient<ManualClock>) async throws -> T
    ) async throws -> T {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: bookmarkInterval)
        let directory = try TemporaryDirectory()
        do {
            let path = try server.writeKubeconfig(to: directory.path + "/kubeconfig")
            let configuration = try KubernetesConfiguration.load(kubeconfig: path)
            let pipeline = Pipeline(clock: clock, retry: retry)
            let result = try await ResilientHTTPClient.withClient(
                pipeline: pipeline, configuration: try configuration.httpClientConfiguration(), options: KubernetesClient<ManualClock>.httpOptions()
            ) { resilient in
                try await body(server, KubernetesClient(http: resilient, configuration: configuration))
            }
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// Watch requests the server has received.
    static func watchRequests(_ server: FakeKubernetesServer) -> [String] {
        server.requests.filter { $0.contains("watch=true") }
    }
}

/// Runs `supervisor` in a task recording into `recorder`, runs `body`, then cancels it.
func running<C, T>(_ supervisor: WatchSupervisor<C>, into recorder: UpdateRecorder,
                   _ body: () async throws -> T) async throws -> T {
    let task = Task { try await supervisor.run { recorder.append($0) } }
    do {
        let result = try await body()
        task.cancel()
        _ = await task.result
        return result
    } catch {
        task.cancel()
        _ = await task.result
        throw error
    }
}
