import Foundation
import Testing
import Triage
import TriageChaos
import TriageKubernetes

/// Errors that are not the server's: a body that is not a list, and the consumer's own error.
@Suite struct WatchSupervisorErrorPathTests {
    @Test func aListBodyThatIsNotAListIsBackedOffNotTheEnd() async throws {
        let first = try await FaultServer.with(.respond(status: 200, headers: [("Content-Type", "application/json")], body: "<html>proxy</html>")) { server in
            let configuration = KubernetesConfiguration(server: String(server.url().dropLast()))
            return try await KubernetesClient.withClient(configuration: configuration, pipeline: FakeCluster.pipeline) { client in
                let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps)
                let seen = LockedValue<WatchVerdict?>(nil)
                let task = Task {
                    try await supervisor.run { update in
                        if case .decision(let verdict) = update { seen.withLock { $0 = $0 ?? verdict } }
                    }
                }
                _ = await eventually { seen.withLock { $0 } != nil }
                task.cancel()
                try await task.value
                return seen.withLock { $0 }
            }
        }
        let verdict = try #require(first)
        #expect(verdict.kind == .responseMalformed)
        #expect(verdict.next == .relist(fromLatest: true))
    }

    @Test func anErrorTheConsumerThrowsDuringAListEndsTheRunAndIsNotARelist() async throws {
        try await FakeCluster.with { server, client, _ in
            server.create(in: FakeCluster.configmaps, name: "a")
            let supervisor = WatchSupervisor(client: client, path: FakeCluster.configmaps)
            // Retryable, so that taking it for a failed list would relist instead of ending the run.
            let mine = Triage.Failure(.connectionReset, detail: "the consumer's own")
            await #expect(throws: Triage.Failure.self) {
                try await supervisor.run { update in
                    if case .change = update { throw mine }
                }
            }
            #expect(supervisor.statistics.lists == 1)
        }
    }
}
