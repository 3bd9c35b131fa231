import Foundation
import Logging
import Triage
import TriageKubernetes

/// Reports each verdict to the cluster: the last outcome in the object's status, and a `core/v1` Event.
///
/// - Status: a JSON merge patch of the status subresource, `status.<statusField>` =
///   `{"outcome": "success"|"retrying"|"failed", "message": ..., "retries": N, "kind": ...}`. A resource
///   without a status subresource (404 or 405 on it) is noted once in the log and not written again.
/// - Events, in the object's namespace with the object as `involvedObject`: `Retrying` (Normal) when a
///   retry follows, `Failed` (Warning) when the change failed for good, `Succeeded` (Normal). The same
///   reason and message for the same object again raises the event's `count` instead of adding an event,
///   as client-go's event recorder does.
public final class KubernetesHandlerReporter<C: Clock>: HandlerReporter where C.Duration == Duration {
    let client: KubernetesClient<C>
    /// The collection the objects belong to.
    public let collection: String
    /// The field under `status` the outcome is written to. Default `triage`.
    public let statusField: String
    /// `source.component` and `reportingComponent` of the events. Default `triage`.
    public let component: String
    let logger: Logger?
    private let state = LockedValue(ReporterState())

    struct ReporterState {
        var statusUnsupported = false
        /// Event name and count by object (uid, or namespace/name), then by reason and message; at
        /// most ``eventsPerObject`` per object, and forgotten with the object.
        var events: [String: [String: (name: String, count: Int)]] = [:]
    }

    /// How many distinct events per object are remembered for counting: 16. A message beyond them
    /// pushes out another one, whose next occurrence then posts a new event instead of counting.
    static var eventsPerObject: Int { 16 }

    public init(client: KubernetesClient<C>, collection: String, statusField: String = "triage", component: String = "triage",
                logger: Logger? = nil) {
        self.client = client
        self.collection = collection
        self.statusField = statusField
        self.component = component
        self.logger = logger
    }

    public func report(_ report: HandlerReport) async throws {
        let path = KubernetesObjectPath.object(inCollection: collection, namespace: report.object.namespace, name: report.object.name)
        var firstError: (any Error)?
        do { try await writeStatus(report, path: path) } catch { firstError = error }
        do { try await postEvent(report) } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }

    /// `success`, `retrying` or `failed`, as the status and the CLI say it.
    static func outcome(_ outcome: HandlerOutcome) -> String {
        switch outcome {
        case .succeeded, .ignored: "success"
        case .retry: "retrying"
        case .failed: "failed"
        }
    }

    private func writeStatus(_ report: HandlerReport, path: String) async throws {
        guard !state.withLock({ $0.statusUnsupported }) else { return }
        let judgement = report.judgement
        var entry: [String: Any] = [
            "outcome": Self.outcome(judgement.outcome),
            "retries": judgement.progress.retries,
            "message": judgement.message ?? NSNull(),
            "kind": judgement.kind?.id ?? NSNull(),
        ]
        if report.handlerID != "progress" { entry["handler"] = report.handlerID }
        let body = try JSONSerialization.data(withJSONObject: ["status": [statusField: entry]], options: [.sortedKeys])
        do {
            _ = try await client.patchStatus(path, .merge, json: [UInt8](body), logger: logger)
        } catch let failure as Triage.Failure where failure.status == 404 || failure.status == 405 {
            let first = state.withLock { state in
                defer { state.statusUnsupported = true }
                return !state.statusUnsupported
            }
            if first {
                logger?.notice("triage.handlers.status not written: the resource has no status subresource",
                               metadata: ["triage.path": "\(collection)", "http.status": "\(failure.status ?? 0)"])
            }
        }
    }

    private func postEvent(_ report: HandlerReport) async throws {
        let judgement = report.judgement
        let (reason, type): (String, String) = switch judgement.outcome {
        case .succeeded, .ignored: ("Succeeded", "Normal")
        case .retry: ("Retrying", "Normal")
        case .failed: ("Failed", "Warning")
        }
        let message = Self.eventMessage(report)
        let namespace = report.object.namespace ?? "default"
        let object = Self.eventsKey(report.object)
        let key = "\(reason)|\(message)"
        let now = Date().formatted(.iso8601)
        if let known = state.withLock({ $0.events[object]?[key] }) {
            let count = known.count + 1
            let patch = try JSONSerialization.data(withJSONObject: ["count": count, "lastTimestamp": now], options: [.sortedKeys])
            do {
                _ = try await client.patch("/api/v1/namespaces/\(namespace)/events/\(known.name)", .merge, json: [UInt8](patch), logger: logger)
                remember(known.name, count: count, key: key, object: object)
                return
            } catch let failure as Triage.Failure where failure.status == 404 {
                // Events are garbage-collected (an hour by default): post a new one.
            }
        }
        let involved = Self.involvedObject(report)
        let event: [String: Any] = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["generateName": report.object.name + ".", "namespace": namespace],
            "involvedObject": involved,
            "reason": reason, "message": message, "type": type, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": ["component": component], "reportingComponent": component,
        ]
        let body = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        let created = try await client.create("/api/v1/namespaces/\(namespace)/events", json: [UInt8](body), logger: logger)
        remember(created.name, count: 1, key: key, object: object)
    }

    public func forget(_ object: HandlerObject) async {
        _ = state.withLock { $0.events.removeValue(forKey: Self.eventsKey(object)) }
    }

    private func remember(_ name: String, count: Int, key: String, object: String) {
        state.withLock { state in
            var events = state.events[object] ?? [:]
            if events[key] == nil, events.count >= Self.eventsPerObject, let any = events.keys.first { events[any] = nil }
            events[key] = (name, count)
            state.events[object] = events
        }
    }

    private static func eventsKey(_ object: HandlerObject) -> String { object.uid ?? object.description }

    /// `Handler provision failed (http.throttled), will retry: <message>`, at most 1,024 characters.
    static func eventMessage(_ report: HandlerReport) -> String {
        let judgement = report.judgement
        var text = "Handler \(report.handlerID)"
        switch judgement.outcome {
        case .succeeded: text += " succeeded"
        case .ignored: text += " failed, ignored: \(judgement.message ?? "")"
        // No retry number or delay in the text: the same failure again is the same event, counted.
        case .retry: text += " failed (\(judgement.kind?.id ?? "error")), will retry: \(judgement.message ?? "")"
        case .failed: text += " failed for good (\(judgement.kind?.id ?? "error")): \(judgement.message ?? "")"
        }
        return String(text.prefix(1024))
    }

    /// `apiVersion`, `kind`, `name`, `namespace` and `uid` of the reported object.
    static func involvedObject(_ report: HandlerReport) -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: Data(report.body))) as? [String: Any] ?? [:]
        var involved: [String: Any] = ["name": report.object.name]
        if let namespace = report.object.namespace { involved["namespace"] = namespace }
        if let uid = report.object.uid { involved["uid"] = uid }
        if let apiVersion = object["apiVersion"] as? String { involved["apiVersion"] = apiVersion }
        if let kind = object["kind"] as? String { involved["kind"] = kind }
        return involved
    }
}
