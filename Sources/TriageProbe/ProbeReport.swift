import Triage

/// What `triage probe` found: the fields of probe-json.md, before rendering.
public struct ProbeReport: Sendable {
    /// One attempt.
    public struct Attempt: Sendable {
        public var number: Int
        public var kind: String
        public var status: Int?
        public var elapsedSeconds: Double
        /// The wait before the next attempt; `nil` on the last.
        public var delaySeconds: Double?
        public var reason: String
    }

    public var url: String
    public var method: String
    /// `true` for a 2xx, a 3xx not followed, or a stream that ended after its expected duration.
    public var succeeded: Bool
    public var status: Int?
    /// The final failure (`nil` on success, except a watch's normal end, `stream.ended`, which the
    /// attempt's line and the explanation name while the report's own kind is `ok`).
    public var failure: Failure?
    public var attempts: [Attempt]
    public var explanation: String
    /// A one-line description of the final error, or `nil` on success.
    public var error: String?

    /// The process exit status: 0 success, 1 failure.
    public var exitCode: Int32 { succeeded ? 0 : 1 }

    /// The kind id printed: `"ok"` on success (probe-json.md), even a watch's normal end.
    public var kindID: String { succeeded ? "ok" : failure?.kind.id ?? "ok" }

    /// The failure the report's own fields describe: none on success.
    var finalFailure: Failure? { succeeded ? nil : failure }
}

extension ProbeReport {
    /// The JSON object of probe-json.md, keys in the documented order, `null` where a value is absent.
    public func json() -> String {
        var object = JSONWriter()
        object.field("url", .string(url))
        object.field("method", .string(method))
        object.field("outcome", .string(succeeded ? "success" : "failure"))
        object.field("status", status.map { .int($0) } ?? .null)
        object.field("kind", .string(kindID))
        object.field("decision", finalFailure.map { .string($0.decision.id) } ?? .null)
        object.field("retryable", .bool(finalFailure?.isRetryable ?? false))
        object.field("delivery", finalFailure.map { .string($0.delivery.id) } ?? .null)
        object.field("retry_after_s", finalFailure?.retryAfter.map { .double($0.triageSeconds) } ?? .null)
        if let api = finalFailure?.api {
            var inner = JSONWriter()
            inner.field("format", .string(api.format.id))
            inner.field("reason", api.reason.map { .string($0) } ?? .null)
            inner.field("code", api.code.map { .string($0) } ?? .null)
            inner.field("message", api.message.map { .string($0) } ?? .null)
            inner.field("request_id", api.requestID.map { .string($0) } ?? .null)
            inner.field("retry_after_s", api.retryAfter.map { .double($0.triageSeconds) } ?? .null)
            object.field("api", .raw(inner.text))
        } else {
            object.field("api", .null)
        }
        let attempts = self.attempts.map { attempt in
            var inner = JSONWriter()
            inner.field("attempt", .int(attempt.number))
            inner.field("kind", .string(attempt.kind))
            inner.field("status", attempt.status.map { .int($0) } ?? .null)
            inner.field("elapsed_s", .double(attempt.elapsedSeconds))
            inner.field("delay_s", attempt.delaySeconds.map { .double($0) } ?? .null)
            inner.field("reason", .string(attempt.reason))
            return inner.text
        }
        object.field("attempts", .raw("[" + attempts.joined(separator: ", ") + "]"))
        object.field("explanation", .string(explanation))
        object.field("error", error.map { .string($0) } ?? .null)
        return object.text
    }

    /// The report for people. Every text is escaped again (``TerminalText``): nothing a server sent
    /// reaches the terminal as a control character.
    public func human() -> String {
        lines(TerminalText.escaped).joined(separator: "\n")
    }

    private func lines(_ safe: (String) -> String) -> [String] {
        var lines: [String] = []
        lines.append("\(safe(method)) \(safe(url))")
        for attempt in attempts {
            let status = attempt.status.map { " HTTP \($0)" } ?? ""
            let delay = attempt.delaySeconds.map { String(format: ", next in %.3f s", $0) } ?? ""
            lines.append(String(format: "  attempt %d: %@%@ after %.3f s%@", attempt.number, safe(attempt.kind), status, attempt.elapsedSeconds, delay))
            lines.append("    \(safe(attempt.reason))")
        }
        if succeeded {
            lines.append("outcome: success" + (status.map { " (HTTP \($0))" } ?? "") + (failure.map { ", \($0.kind.id): \($0.decision.id)" } ?? ""))
        } else if let failure {
            lines.append("outcome: failure")
            lines.append("  kind:      \(failure.kind.id)")
            lines.append("  decision:  \(failure.decision.id)\(failure.isRetryable ? " (retryable)" : "")")
            lines.append("  delivery:  \(failure.delivery.id)")
            if let delay = failure.retryAfter { lines.append(String(format: "  retry in:  %.3f s", delay.triageSeconds)) }
            if let api = failure.api {
                let parts = [api.reason, api.code, api.message].compactMap { $0 }.map(safe).joined(separator: " · ")
                lines.append("  api:       \(api.format.id): \(parts)")
            }
            if let error { lines.append("  error:     \(safe(error))") }
        }
        lines.append(safe(explanation))
        return lines
    }
}

/// Writes one JSON object with keys in insertion order (the probe's and the benchmarks' JSON lines,
/// whose key order the docs show).
package struct JSONWriter {
    package enum Value {
        case string(String), int(Int), double(Double), bool(Bool), null, raw(String)
    }

    private var fields: [String] = []

    package init() {}

    package mutating func field(_ key: String, _ value: Value) {
        fields.append("\(JSONString.quoted(key)): \(Self.render(value))")
    }

    package var text: String { "{" + fields.joined(separator: ", ") + "}" }

    package static func render(_ value: Value) -> String {
        switch value {
        case .string(let text): JSONString.quoted(TerminalText.escaped(text))
        case .int(let number): String(number)
        case .double(let number): number.isFinite ? String(Double(Int((number * 1000).rounded())) / 1000) : "null"
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .raw(let text): text
        }
    }
}
