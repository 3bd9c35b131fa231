import Foundation
import NIOHTTP1
import Triage
import TriageHTTP

extension ProbeRunner {
    /// The report; every text in it is redacted (``Redactor``) and escaped (``TerminalText``), the
    /// API error's fields included: a server may echo what it was sent, or send terminal controls.
    func report(for outcome: Outcome, history: [DecisionRecord], redirects: Int, start: ContinuousClock.Instant,
                end: ContinuousClock.Instant) -> ProbeReport {
        let failure = outcome.failure.map(cleaned)
        var attempts: [ProbeReport.Attempt] = []
        var began = Duration.zero
        // The probe's own --timeout cancels the attempt it interrupts: that attempt ended by the deadline.
        let cutByDeadline = failure?.kind == .deadlineExceeded && history.last?.kind == .cancelled
        for (index, record) in history.enumerated() {
            let retried = record.action == .retry || record.action == .refreshAndRetry
            let succeeded = record.action == .succeeded
            let deadline = cutByDeadline && index == history.count - 1
            let reason: String
            if succeeded || deadline {
                reason = failure.map { deadline ? $0.detail : Self.reason(for: $0) } ?? "HTTP \(outcome.status ?? 0): success"
            } else {
                reason = Self.reason(for: record)
            }
            attempts.append(ProbeReport.Attempt(
                number: record.attempt, kind: succeeded || deadline ? (failure?.kind.id ?? "ok") : (record.kind?.id ?? "ok"),
                status: succeeded ? outcome.status : record.status,
                elapsedSeconds: max(0, (record.elapsed - began).triageSeconds),
                delaySeconds: retried ? record.delay?.triageSeconds : nil,
                reason: clean(reason)))
            began = record.elapsed + (retried ? record.delay ?? .zero : .zero)
        }
        if attempts.isEmpty {
            attempts.append(ProbeReport.Attempt(
                number: 1, kind: failure?.kind.id ?? "ok", status: outcome.status,
                elapsedSeconds: (end - start).triageSeconds, delaySeconds: nil,
                reason: clean(failure.map(Self.reason(for:)) ?? "HTTP \(outcome.status ?? 0): success")))
        }
        var explanation: String
        if outcome.succeeded {
            explanation = "succeeded on attempt \(attempts.count)"
            if let failure { explanation += ": \(failure.kind.id), \(failure.decision.id)" }
        } else if cutByDeadline, let failure {
            explanation = "gave up after \(attempts.count) attempt\(attempts.count == 1 ? "" : "s"): \(failure.detail)"
        } else if let last = history.last(where: { $0.action != .succeeded }) {
            explanation = "gave up after \(attempts.count) attempt\(attempts.count == 1 ? "" : "s"): " + Self.explanation(for: last, options: options)
        } else {
            explanation = "gave up after 1 attempt: \(failure?.kind.id ?? "unknown")"
        }
        // The engine's own rule (a 500 may follow work that was done; a 503 says it was not) and its list of
        // idempotent methods.
        if let failure, failure.serverMayHaveActed,
           !ResilientHTTPClient<ContinuousClock>.idempotentMethods.contains(HTTPMethod(rawValue: options.method.uppercased())),
           options.idempotencyKey == nil {
            explanation += "; \(options.method.uppercased()) may have been processed and is not idempotent: not safe to resend without --idempotency-key"
        }
        if redirects > 0 { explanation += " (after \(redirects) redirect\(redirects == 1 ? "" : "s"))" }
        return ProbeReport(
            url: TerminalText.escaped(redactor.displayURL(options.url)),
            method: clean(options.method.uppercased()),
            succeeded: outcome.succeeded,
            status: outcome.status,
            failure: failure,
            attempts: attempts,
            explanation: clean(explanation),
            error: outcome.succeeded ? nil : failure.map { clean(Self.errorText(for: $0)) }
        )
    }

    /// Text for the report: redacted, then escaped.
    func clean(_ text: String) -> String {
        TerminalText.escaped(redactor.redact(text))
    }

    /// `failure` with its API fields and its detail cleaned; the underlying error is cleaned where it
    /// is printed (``errorText(for:)``).
    func cleaned(_ failure: Failure) -> Failure {
        var failure = failure
        failure.detail = clean(failure.detail)
        if var api = failure.api {
            api.reason = api.reason.map(clean)
            api.code = api.code.map(clean)
            api.message = api.message.map(clean)
            api.requestID = api.requestID.map(clean)
            api.document = nil  // the raw document holds the fields uncleaned
            failure.api = api
        }
        return failure
    }

    /// Why the engine stopped, in the probe's words.
    static func explanation(for record: DecisionRecord, options: ProbeOptions) -> String {
        if record.attempt >= options.maximumAttempts, record.decision?.isRetryable == true {
            return "--max-attempts \(options.maximumAttempts)"
        }
        return record.reason
    }

    /// The reason for one attempt's decision, naming the delay's source.
    static func reason(for record: DecisionRecord) -> String {
        let what = record.status.map { "\($0)" } ?? record.kind?.summary ?? "ok"
        switch record.delaySource {
        case .retryAfter?:
            return "\(what) is transient; the server asked for \(seconds(record.delay)) s (Retry-After)"
        case .breaker?:
            return "\(what): the circuit is open for \(seconds(record.delay)) s more"
        case .backoff(let strategy, let ceiling, let random)?:
            let draw = random.map { String(format: " × random %.3f", $0) } ?? ""
            return "\(what) is transient; backoff \(seconds(record.delay)) s (\(strategy): ceiling \(seconds(ceiling)) s\(draw))"
        case nil:
            if let named = record.retryAfter {
                return "\(what) is transient; the server asked for \(seconds(named)) s (Retry-After)"
            }
            return record.reason
        }
    }

    /// Why this failure leads to its decision, in one sentence.
    static func reason(for failure: Failure) -> String {
        let what = failure.status.map { "\($0)" } ?? failure.kind.summary
        switch failure.decision {
        case .retryAfter:
            let source = failure.api?.retryAfter != nil && failure.api?.retryAfter == failure.retryAfter ? "the error body" : "Retry-After"
            return "\(what) is transient; the server asked for \(Self.seconds(failure.retryAfter)) s (\(source))"
        case .retry: return "\(what) is transient: retry with backoff"
        case .refresh: return "\(what) is a conflict: re-read, rebuild the request, then retry"
        case .relist: return "\(what): the resume point is too old; start again from a full read"
        case .reconnect: return "\(what): resume the stream at once"
        case .fail: return "\(what) is permanent: retrying cannot help"
        case .stop: return "\(what): the caller's limit ended the operation"
        }
    }

    static func seconds(_ duration: Duration?) -> String {
        guard let duration else { return "0" }
        let value = duration.triageSeconds
        return value == value.rounded() ? String(Int(value)) : String(format: "%.3f", value)
    }

    /// The error line: the status text for HTTP, else the failure and the underlying error.
    static func errorText(for failure: Failure) -> String {
        if let status = failure.status, failure.kind.isHTTPStatus || failure.kind == .watchExpired {
            return "HTTP \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)"
        }
        var text = failure.kind.summary
        if !failure.detail.isEmpty { text += " (\(failure.detail))" }
        if let underlying = failure.underlying {
            text += ": " + String(String(describing: underlying).prefix(300))
        }
        return text
    }
}
