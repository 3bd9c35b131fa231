import Foundation
import Logging
import Triage
import TriageChaos
import TriageHandlers
import TriageKubernetes

extension DemoCommand {
    /// A few seconds on loopback: Kopf-style handlers for two objects of a fake API server. One is not
    /// ready twice (temporary errors with a delay), then succeeds; one is invalid (a permanent error).
    /// Progress goes to annotations, the outcome to `status.triage`, each attempt to an Event. Then one is
    /// deleted: the runner's finalizer holds it until its cleanup handler, busy once, has succeeded.
    func runHandlersDemo() async throws {
        print("\nOperator handlers: TriageHandlers runs a handler for each widget of a fake API server on 127.0.0.1.")
        let server = try await FakeKubernetesServer.start(bookmarkInterval: nil)
        let collection = "/apis/example.com/v1/namespaces/demo/widgets"
        server.create(in: collection, name: "ready-later", data: ["size": "3"])
        server.create(in: collection, name: "invalid", data: ["size": "-1"])
        let configuration = KubernetesConfiguration(server: server.url, certificateAuthorityPEM: Array(server.certificates.ca.certificatePEM.utf8),
                                                    credentials: .init(bearer: .token("triage-test-token")))
        let attempts = LockedValue(0)
        let cleanups = LockedValue(0)
        let cleanup = Handler(id: "cleanup", causes: [.delete]) { _ in
            if cleanups.withLock({ $0 += 1; return $0 }) == 1 { throw TemporaryError("backend busy", delay: .milliseconds(300)) }
        }
        let handler = Handler(id: "provision", causes: [.create, .update, .resume]) { context in
            let widget = try context.decode(DemoWidget.self)
            guard let size = Int(widget.data.size), size > 0 else { throw PermanentError("data.size must be a positive number") }
            if attempts.withLock({ $0 += 1; return $0 }) <= 2 { throw TemporaryError("backend not ready", delay: .milliseconds(300)) }
        }
        let logger = Logger(label: "triage.demo", factory: { _ in SwiftLogNoOpLogHandler() })
        try await KubernetesClient.withClient(configuration: configuration) { client in
            let store = AnnotationProgressStore(client: client, collection: collection)
            let reporter = CombinedHandlerReporter([KubernetesHandlerReporter(client: client, collection: collection), DemoAttemptPrinter()])
            let runner = HandlerRunner(handlers: [handler, cleanup], store: store, reporter: reporter, clock: ContinuousClock(), logger: logger)
            let supervisor = WatchSupervisor(client: client, path: collection)
            let running = Task { await runner.run() }
            let watching = Task { try await runner.submitChanges(of: supervisor, finalizer: KubernetesFinalizer()) }
            defer { watching.cancel(); running.cancel() }
            let handled = { (name: String) async throws -> Bool in
                let object = try await client.get(collection + "/" + name)
                return String(decoding: object.json, as: UTF8.self).contains("triage.dev/last-handled")
            }
            for _ in 0..<500 {
                if try await handled("ready-later"), try await handled("invalid") { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            for name in ["ready-later", "invalid"] {
                let object = try await client.get(collection + "/" + name)
                let status = try object.decode(DemoStatus.self).status?.triage
                print("  \(name): status.triage.outcome = \(status?.outcome ?? "-"), retries \(status?.retries ?? 0)")
            }
            let events = try await client.list("/api/v1/namespaces/demo/events")
            print("  \(events.items.count) events posted; progress kept in annotations triage.dev/provision and triage.dev/last-handled")
            _ = try await client.delete(collection + "/ready-later")
            print("  ready-later deleted: finalizer \(KubernetesFinalizer().name) holds it for the cleanup handler")
            var gone = false
            for _ in 0..<500 where !gone {
                do { _ = try await client.get(collection + "/ready-later"); try await Task.sleep(for: .milliseconds(20)) } catch let failure as Failure where failure.status == 404 { gone = true }
            }
            print(gone ? "  ready-later: cleanup done, finalizer removed, the API server deleted it" : "  ready-later: still held after 10 s")
        }
        await server.shutdown()
    }
}

/// Prints each attempt as the demo's story.
struct DemoAttemptPrinter: HandlerReporter {
    func report(_ report: HandlerReport) async throws {
        let judgement = report.judgement
        let next: String = switch judgement.outcome {
        case .retry(let after): String(format: "retry in %.1f s", after.triageSeconds)
        case .succeeded: "done"
        case .failed: "failed for good"
        case .ignored: "ignored"
        }
        let cause = report.cause == .delete ? " (delete)" : ""
        print("  \(report.object.name)\(cause) attempt \(judgement.progress.records.last?.retry ?? 0): \(judgement.kind?.id ?? "success") → \(next)")
    }
}

struct DemoWidget: Decodable {
    struct Data: Decodable { var size: String }
    var data: Data
}

struct DemoStatus: Decodable {
    struct Status: Decodable { var triage: Triage? }
    struct Triage: Decodable { var outcome: String; var retries: Int }
    var status: Status?
}
