import Triage
import Foundation
import Logging
import Testing
import TriageChaos
import TriageHandlers
import TriageKubernetes
import TriageTestKit

/// Delete handlers through a finalizer, against the fake API server (which keeps an object with
/// finalizers, marked with a deletionTimestamp, until the last one is removed, as the API server does).
@Suite struct KubernetesFinalizerTests {
    static let widgets = KubernetesHandlerTests.widgets
    static let finalizer = KubernetesFinalizer()
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A runner fed by a watch of the widgets with the default finalizer, for the length of `body`.
    static func running(
        _ handlers: [Handler], store: any HandlerProgressStore, client: KubernetesClient<ContinuousClock>,
        _ body: () async throws -> Void
    ) async throws {
        let reporter = KubernetesHandlerReporter(client: client, collection: widgets, logger: logger)
        let runner = HandlerRunner(handlers: handlers, store: store, reporter: reporter, clock: ContinuousClock(), logger: logger)
        let supervisor = WatchSupervisor(client: client, path: widgets, logger: logger)
        let running = Task { await runner.run() }
        let watching = Task { try await runner.submitChanges(of: supervisor, finalizer: finalizer) }
        defer {
            watching.cancel()
            running.cancel()
        }
        try await body()
    }

    static func metadata(_ name: String, _ client: KubernetesClient<ContinuousClock>) async throws -> [String: Any]? {
        do {
            return try await KubernetesHandlerTests.object(name, client)["metadata"] as? [String: Any]
        } catch let failure as Triage.Failure where failure.status == 404 {
            return nil
        }
    }

    /// Polls `condition` every 20 ms for up to 20 s (generous: the machine is shared).
    static func eventually(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the condition did not hold within 20 s")
    }

    static func create(_ name: String, finalizers: [String] = [], client: KubernetesClient<ContinuousClock>) async throws {
        var metadata: [String: Any] = ["name": name, "namespace": "default"]
        if !finalizers.isEmpty { metadata["finalizers"] = finalizers }
        let body: [String: Any] = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": metadata, "spec": ["size": 1]]
        _ = try await client.create(widgets, json: [UInt8](try JSONSerialization.data(withJSONObject: body)))
    }

    @Test func theObjectStaysUntilItsDeleteHandlerIsDone() async throws {
        try await KubernetesHandlerTests.with { _, client in
            let release = LockedValue(false)
            let deletions = LockedValue<[String]>([])
            let handlers = [
                Handler(id: "provision", causes: [.create, .update, .resume]) { _ in },
                Handler(id: "cleanup", causes: [.delete]) { context in
                    deletions.withLock { $0.append(context.object.name) }
                    while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                },
            ]
            let store = AnnotationProgressStore(client: client, collection: Self.widgets, logger: Self.logger)
            try await Self.running(handlers, store: store, client: client) {
                try await Self.create("a", client: client)
                try await Self.eventually {
                    let metadata = try await Self.metadata("a", client)
                    return (metadata?["finalizers"] as? [String]) == [Self.finalizer.name]
                        && (metadata?["annotations"] as? [String: String])?["triage.dev/last-handled"] != nil
                }
                _ = try await client.delete(Self.widgets + "/a")
                try await Self.eventually { deletions.withLock { $0 } == ["a"] }
                // The handler runs: the API server keeps the object, marked for deletion.
                let held = try #require(try await Self.metadata("a", client))
                #expect(held["deletionTimestamp"] is String)
                release.withLock { $0 = true }
                try await Self.eventually { try await Self.metadata("a", client) == nil }
            }
            #expect(deletions.withLock { $0 } == ["a"])
        }
    }

    @Test func aDeleteHandlerThatFailsTemporarilyHoldsTheObjectUntilItSucceeds() async throws {
        try await KubernetesHandlerTests.with { _, client in
            let attempts = LockedValue(0)
            let handler = Handler(id: "cleanup", causes: [.delete]) { _ in
                if attempts.withLock({ $0 += 1; return $0 }) < 3 { throw TemporaryError("backend busy", delay: .milliseconds(50)) }
            }
            let store = InMemoryProgressStore()
            try await Self.running([handler], store: store, client: client) {
                try await Self.create("b", client: client)
                try await Self.eventually { (try await Self.metadata("b", client)?["finalizers"] as? [String]) == [Self.finalizer.name] }
                _ = try await client.delete(Self.widgets + "/b")
                try await Self.eventually { try await Self.metadata("b", client) == nil }
                // DELETED made the runner forget the object: no progress is kept for what is gone.
                try await Self.eventually { store.snapshot.isEmpty }
            }
            #expect(attempts.withLock { $0 } == 3)
            let reasons = try await KubernetesHandlerTests.eventReasons(client)
            #expect(reasons.contains("Retrying×2") && reasons.contains("Succeeded×1"))
        }
    }

    @Test func anotherControllersFinalizerIsKept() async throws {
        try await KubernetesHandlerTests.with { _, client in
            let handler = Handler(id: "cleanup", causes: [.delete]) { _ in }
            try await Self.running([handler], store: InMemoryProgressStore(), client: client) {
                try await Self.create("c", finalizers: ["other.example/keep"], client: client)
                try await Self.eventually {
                    (try await Self.metadata("c", client)?["finalizers"] as? [String]) == ["other.example/keep", Self.finalizer.name]
                }
                _ = try await client.delete(Self.widgets + "/c")
                try await Self.eventually {
                    (try await Self.metadata("c", client)?["finalizers"] as? [String]) == ["other.example/keep"]
                }
                #expect(try await Self.metadata("c", client)?["deletionTimestamp"] is String)
            }
        }
    }

    /// A runner killed after its delete handler succeeded, before it removed the finalizer: the next one
    /// finds the deletion handled in the annotations and only releases the object.
    @Test func aDeletionHandledBeforeARestartIsReleasedWithoutRunningAgain() async throws {
        try await KubernetesHandlerTests.with { _, client in
            try await Self.create("d", finalizers: [Self.finalizer.name], client: client)
            _ = try await client.delete(Self.widgets + "/d")
            let uid = try #require(try await Self.metadata("d", client)?["uid"] as? String)
            let patch: [String: Any] = ["metadata": ["annotations": ["triage.dev/last-handled": "delete/\(uid)"]]]
            _ = try await client.patch(Self.widgets + "/d", .merge, json: [UInt8](try JSONSerialization.data(withJSONObject: patch)))
            let runs = LockedValue(0)
            let handler = Handler(id: "cleanup", causes: [.delete]) { _ in runs.withLock { $0 += 1 } }
            let store = AnnotationProgressStore(client: client, collection: Self.widgets, logger: Self.logger)
            try await Self.running([handler], store: store, client: client) {
                try await Self.eventually { try await Self.metadata("d", client) == nil }
            }
            #expect(runs.withLock { $0 } == 0)
        }
    }

    @Test func theFakeServerRefusesANewFinalizerOnAnObjectBeingDeleted() async throws {
        try await KubernetesHandlerTests.with { _, client in
            try await Self.create("e", finalizers: ["other.example/keep"], client: client)
            _ = try await client.delete(Self.widgets + "/e")
            let patch = Array(#"{"metadata":{"finalizers":["other.example/keep","late.example/x"]}}"#.utf8)
            await #expect(throws: Triage.Failure.self) { _ = try await client.patch(Self.widgets + "/e", .merge, json: patch) }
            let stale = Array(#"{"metadata":{"resourceVersion":"1","finalizers":[]}}"#.utf8)
            let conflict = await #expect(throws: Triage.Failure.self) { _ = try await client.patch(Self.widgets + "/e", .merge, json: stale) }
            #expect(conflict?.status == 409)
        }
    }
}
