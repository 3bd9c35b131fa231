import Triage
import Foundation
import Logging
import Testing
import TriageChaos
import TriageHandlers
import TriageKubernetes
import TriageTestKit

/// The runner against the fake API server: progress in annotations, status and events written, write
/// faults met.
@Suite struct KubernetesHandlerTests {
    static let widgets = "/apis/example.com/v1/namespaces/default/widgets"
    static let events = "/api/v1/namespaces/default/events"

    /// Two attempts, 20 ms backoff, no breaker: a fault in one test must not open it for the next request.
    static var pipeline: Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(), retry: RetryPolicy(maximumAttempts: 3, backoff: Backoff(.constant, base: .milliseconds(20), cap: .milliseconds(20))),
                 deadline: .seconds(20), attemptTimeout: .seconds(10))
    }

    static func with(_ body: (FakeKubernetesServer, KubernetesClient<ContinuousClock>) async throws -> Void) async throws {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: nil)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triage-handlers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let kubeconfig = try server.writeKubeconfig(to: directory + "/kubeconfig")
            let configuration = try KubernetesConfiguration.load(kubeconfig: kubeconfig)
            try await KubernetesClient.withClient(configuration: configuration, pipeline: pipeline) { client in
                try await body(server, client)
            }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// Creates widget `name` with `spec` and returns the change a watch would report.
    static func create(_ name: String, spec: [String: Int], client: KubernetesClient<ContinuousClock>) async throws -> HandlerChange {
        let body: [String: Any] = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": name, "namespace": "default"], "spec": spec]
        let created = try await client.create(widgets, json: [UInt8](try JSONSerialization.data(withJSONObject: body)))
        return try #require(HandlerChange(WatchChange(type: .added, object: created, fromList: false)))
    }

    static func object(_ name: String, _ client: KubernetesClient<ContinuousClock>) async throws -> [String: Any] {
        let object = try await client.get(widgets + "/" + name)
        return try #require(try JSONSerialization.jsonObject(with: Data(object.json)) as? [String: Any])
    }

    static func annotations(_ object: [String: Any]) -> [String: String] {
        ((object["metadata"] as? [String: Any])?["annotations"] as? [String: String]) ?? [:]
    }

    /// Each event as `reason×count`, sorted.
    static func eventReasons(_ client: KubernetesClient<ContinuousClock>) async throws -> [String] {
        let list = try await client.list(events)
        return try list.items.map { item in
            let event = try #require(try JSONSerialization.jsonObject(with: Data(item.json)) as? [String: Any])
            return "\(event["reason"] as? String ?? "?")×\(event["count"] as? Int ?? 0)"
        }.sorted()
    }

    func runUntilHandled(_ change: HandlerChange, handler: Handler, client: KubernetesClient<ContinuousClock>) async throws -> AnnotationProgressStore<ContinuousClock> {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = AnnotationProgressStore(client: client, collection: Self.widgets, logger: logger)
        let reporter = KubernetesHandlerReporter(client: client, collection: Self.widgets, logger: logger)
        let runner = HandlerRunner(handlers: [handler], store: store, reporter: reporter, clock: ContinuousClock(), logger: logger)
        let task = Task { await runner.run() }
        runner.submit(change)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try await store.load(change).lastHandled == change.digest { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        runner.finish()
        task.cancel()
        await task.value
        return store
    }

    @Test func progressStatusAndEventsAreWrittenForEachAttempt() async throws {
        try await Self.with { server, client in
            let change = try await Self.create("a", spec: ["size": 1], client: client)
            let calls = LockedValue(0)
            let handler = Handler(id: "progress") { _ in
                if calls.withLock({ $0 += 1; return $0 }) < 3 { throw TemporaryError("not ready", delay: .milliseconds(50)) }
            }
            _ = try await runUntilHandled(change, handler: handler, client: client)
            #expect(calls.withLock { $0 } == 3)
            let object = try await Self.object("a", client)
            let annotations = Self.annotations(object)
            #expect(annotations["triage.dev/last-handled"] == change.digest)
            let progressJSON = try #require(annotations["triage.dev/progress"])
            let progress = try #require(try JSONSerialization.jsonObject(with: Data(progressJSON.utf8)) as? [String: Any])
            #expect(progress["retries"] as? Int == 2)
            #expect(progress["success"] as? Bool == true)
            #expect((progress["started"] as? String)?.hasSuffix("Z") == true)
            let status = try #require((object["status"] as? [String: Any])?["triage"] as? [String: Any])
            #expect(status["outcome"] as? String == "success")
            #expect(status["retries"] as? Int == 2)
            // Two Retrying attempts with the same message are one event counted twice (the event recorder's rule).
            let reasons = try await Self.eventReasons(client)
            #expect(reasons == ["Retrying×2", "Succeeded×1"])
            // Per attempt: a status patch, an event (post or count patch) and one annotation patch.
            let writes = server.requests.filter { !$0.contains("watch") }
            #expect(writes.filter { $0.contains("/widgets/a/status") }.count == 3)
        }
    }

    @Test func aConflictOnTheProgressPatchIsMetByReadingAgain() async throws {
        try await Self.with { server, client in
            let change = try await Self.create("b", spec: ["size": 2], client: client)
            server.injectWriteFaults([FakeWriteFault(method: "PATCH", pathSuffix: "/widgets/b", status: 409)])
            _ = try await runUntilHandled(change, handler: Handler(id: "progress") { _ in }, client: client)
            let annotations = Self.annotations(try await Self.object("b", client))
            #expect(annotations["triage.dev/last-handled"] == change.digest)
            // The conflicting patch, the read after it, the patch that went through, and this test's read.
            #expect(server.requests.filter { $0.hasSuffix("/widgets/b") }.count == 4)
        }
    }

    @Test func aThrottledEventPostIsRetriedAfterItsRetryAfter() async throws {
        try await Self.with { server, client in
            let change = try await Self.create("c", spec: ["size": 3], client: client)
            server.injectWriteFaults([FakeWriteFault(method: "POST", pathSuffix: "/events", status: 429, retryAfterSeconds: 1)])
            let started = ContinuousClock.now
            _ = try await runUntilHandled(change, handler: Handler(id: "progress") { _ in }, client: client)
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(try await Self.eventReasons(client) == ["Succeeded×1"])
            #expect(server.requests.filter { $0.hasSuffix("/events") }.count == 2)  // the 429 and the retry
        }
    }

    @Test func aResourceWithoutStatusIsNotAnError() async throws {
        try await Self.with { server, client in
            let change = try await Self.create("d", spec: ["size": 4], client: client)
            server.injectWriteFaults([FakeWriteFault(method: "PATCH", pathSuffix: "/widgets/d/status", status: 404)])
            _ = try await runUntilHandled(change, handler: Handler(id: "progress") { _ in }, client: client)
            let object = try await Self.object("d", client)
            #expect(Self.annotations(object)["triage.dev/last-handled"] == change.digest)
            #expect(object["status"] == nil)
        }
    }
}
