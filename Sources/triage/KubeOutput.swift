import Foundation
import Triage
import TriageKubernetes
import TriageProbe

/// Output of `triage kube`: JSON objects with keys in the documented order, and failures reported as
/// `triage probe` reports them.
enum KubeOutput {
    /// One JSON object from `(key, rendered value)` pairs, in order.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(JSONString.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string, the configuration's secrets masked (``redacted(_:)``).
    static func string(_ text: String) -> String { JSONString.quoted(redacted(text)) }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(Double(Int((value * 1000).rounded())) / 1000) : "null"
    }

    static func optional(_ text: String?) -> String { text.map(string) ?? "null" }

    /// The failure as `triage probe --json` prints one (the fields of probe-json.md that apply).
    static func failureJSON(_ failure: Triage.Failure, url: String, method: String) -> String {
        var api = "null"
        if let info = failure.api {
            api = object([("format", string(info.format.id)), ("reason", optional(info.reason)), ("code", optional(info.code)),
                          ("message", optional(info.message)), ("request_id", optional(info.requestID)),
                          ("retry_after_s", info.retryAfter.map { number($0.triageSeconds) } ?? "null")])
        }
        let attempts = failure.history.map { record in
            object([("attempt", String(record.attempt)), ("kind", string(record.kind?.id ?? "ok")),
                    ("status", record.status.map(String.init) ?? "null"), ("elapsed_s", number(record.elapsed.triageSeconds)),
                    ("delay_s", record.delay.map { number($0.triageSeconds) } ?? "null"), ("reason", string(record.reason))])
        }
        return object([
            ("url", string(url)), ("method", string(method)), ("outcome", string("failure")),
            ("status", failure.status.map(String.init) ?? "null"), ("kind", string(failure.kind.id)),
            ("decision", string(failure.decision.id)), ("retryable", failure.isRetryable ? "true" : "false"),
            ("delivery", string(failure.delivery.id)), ("retry_after_s", failure.retryAfter.map { number($0.triageSeconds) } ?? "null"),
            ("api", api), ("attempts", "[" + attempts.joined(separator: ", ") + "]"),
            ("explanation", string(failure.explanation)), ("error", string(failure.description)),
        ])
    }

    /// The failure for people, as `triage probe` prints one.
    static func failureText(_ failure: Triage.Failure, url: String, method: String) -> String {
        var lines = ["\(method) \(url)"]
        for record in failure.history {
            let status = record.status.map { " HTTP \($0)" } ?? ""
            let delay = record.delay.map { String(format: ", next in %.3f s", $0.triageSeconds) } ?? ""
            lines.append(String(format: "  attempt %d: %@%@ after %.3f s%@", record.attempt, record.kind?.id ?? "ok", status,
                                record.elapsed.triageSeconds, delay))
            lines.append("    \(record.reason)")
        }
        lines.append("outcome: failure")
        lines.append("  kind:      \(failure.kind.id)")
        lines.append("  decision:  \(failure.decision.id)\(failure.isRetryable ? " (retryable)" : "")")
        lines.append("  delivery:  \(failure.delivery.id)")
        if let delay = failure.retryAfter { lines.append(String(format: "  retry in:  %.3f s", delay.triageSeconds)) }
        if let api = failure.api {
            lines.append("  api:       \(api.format.id): " + [api.reason, api.code, api.message].compactMap { $0 }.joined(separator: " · "))
        }
        lines.append(failure.explanation)
        return redacted(lines.joined(separator: "\n"))
    }

    /// `response.malformed` when `object`'s JSON is not JSON, else `nil`: the client's scanner checks
    /// structure and keeps a raw control byte inside a string as it came (for the watch's speed), and get
    /// and list print the object itself, which must stay one valid JSON value (and one line).
    static func malformed(_ object: KubernetesObject) -> Triage.Failure? {
        if (try? JSONSerialization.jsonObject(with: Data(object.json))) != nil { return nil }
        return Triage.Failure(.responseMalformed, delivery: .processed,
                              detail: "\(object.key): the object is not valid JSON (a raw control byte in a string)")
    }

    /// Any error of a request as a ``Triage/Failure`` (decoding errors become `response.malformed`).
    static func failure(_ error: any Error) -> Triage.Failure {
        if let failure = error as? Triage.Failure { return failure }
        return Triage.Failure(.responseMalformed, delivery: .processed, underlying: error, detail: "\(error)")
    }
}

extension KubeOutput {
    /// `failure` with a certificate failure named exactly, as `triage probe` names it
    /// (``ProbeRunner/diagnosed(_:host:port:serverName:trustRootsPEM:connectTimeout:)``: BoringSSL
    /// reports expired, self-signed and unknown-CA alike), against the configuration's server, its
    /// `tls-server-name` and its certificate authority.
    static func diagnosed(_ failure: Triage.Failure, configuration: KubernetesConfiguration) async -> Triage.Failure {
        guard ProbeRunner.needsDiagnosis(failure.kind), !configuration.insecureSkipTLSVerify,
              let url = URL(string: configuration.server), url.scheme?.lowercased() == "https", let host = url.host
        else { return failure }
        return await ProbeRunner.diagnosed(failure, host: host, port: url.port ?? 443, serverName: configuration.tlsServerName,
                                           trustRootsPEM: configuration.certificateAuthorityPEM.map { String(decoding: $0, as: UTF8.self) })
    }
}
