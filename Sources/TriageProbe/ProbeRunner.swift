import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Triage
import TriageHTTP
import TriageNIO
import X509

/// Sends the probe's request through AsyncHTTPClient and explains what happened.
///
/// AsyncHTTPClient's own connection-establishment retry is off, so a refused port is reported at once
/// rather than after the connect timeout. When a certificate fails verification the peer chain is
/// fetched again and ``TLSDiagnosis`` names the exact reason.
public struct ProbeRunner: Sendable {
    public var options: ProbeOptions
    private let redactor: Redactor

    public init(options: ProbeOptions) {
        self.options = options
        self.redactor = Redactor(url: options.url, headers: options.headers)
    }

    /// Runs the probe. Never throws: every failure is part of the report.
    ///
    /// The request goes through ``ResilientHTTPClient`` with a ``Pipeline`` built from `--max-attempts`,
    /// `--timeout` and `--attempt-timeout`; a non-idempotent method is resent after a `maybeProcessed`
    /// failure only with an idempotency key.
    public func run() async -> ProbeReport {
        let records = Mutex<[DecisionRecord]>([])
        let lastStatus = Mutex<Int?>(nil)
        let pipeline = Pipeline(
            clock: ContinuousClock(),
            retry: (try? RetryPolicy(maxAttempts: max(1, options.maxAttempts))) ?? .never,
            timeout: options.timeout,
            attemptTimeout: attemptIsShorter ? options.attemptTimeout : nil,
            classifier: .asyncHTTPClient,
            observer: { record in records.withLock { $0.append(record) } }
        )
        let clientOptions = (try? ResilientHTTPClientOptions(
            maximumErrorBodySize: min(max(0, options.maximumErrorBody), 16 << 20),
            idleTimeout: options.readTimeout ?? options.attemptTimeout
        )) ?? ResilientHTTPClientOptions()
        let start = ContinuousClock.now
        var final: Outcome
        do {
            final = try await ResilientHTTPClient.withClient(pipeline: pipeline, configuration: clientConfiguration(), options: clientOptions) { client in
                try await client.execute(self.request(), body: self.options.body.map { RequestBody.bytes($0) }) { response in
                    lastStatus.withLock { $0 = Int(response.status.code) }
                    return try await self.readBody(response)
                }
            }
        } catch {
            var failure = (error as? Failure) ?? ClassifierChain.asyncHTTPClient.classify(error)
            if Self.needsDiagnosis(failure.kind) {
                failure = await diagnose(failure)
                records.withLock { history in
                    if !history.isEmpty { history[history.count - 1].kind = failure.kind }
                }
            }
            final = Outcome(status: failure.status ?? lastStatus.withLock { $0 }, failure: failure, succeeded: false)
        }
        let history = records.withLock { $0 }
        return report(for: final, history: history, start: start, end: ContinuousClock.now)
    }

    struct Outcome: Sendable {
        var status: Int?
        var failure: Failure?
        var succeeded: Bool
    }

    private func clientConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(options.connectTimeout), read: TimeAmount(options.readTimeout ?? options.attemptTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
        if let pem = options.extraRootsPEM, let roots = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)) {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(roots)]
            configuration.tlsConfiguration = tls
        }
        return configuration
    }

    private func request() -> HTTPClientRequest {
        var request = HTTPClientRequest(url: options.url)
        request.method = HTTPMethod(rawValue: options.method.uppercased())
        for header in options.headers { request.headers.add(name: header.name, value: header.value) }
        if let key = options.idempotencyKey { request.headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
        return request
    }

    /// The per-attempt deadline when it is shorter than the overall one.
    private var attemptIsShorter: Bool { options.attemptTimeout < options.timeout }

    /// Reads a successful response's body; for `--watch`, judges how the stream ended.
    private func readBody(_ response: ResilientHTTPClient<ContinuousClock>.StreamingResponse) async throws -> Outcome {
        let status = Int(response.status.code)
        do {
            for try await _ in response.body {}
        } catch let failure as Failure {
            if options.watch != nil, failure.kind == .responseTimeout {
                throw Failure(.streamStalled, underlying: failure.underlying, detail: "no event within the read timeout")
            }
            throw failure
        }
        if let expected = options.watch {
            let lasted = ContinuousClock.now - response.started
            if lasted * 10 >= expected * 9 {
                return Outcome(status: status, failure: Failure(.streamEnded, detail: "lasted its expected duration"), succeeded: true)
            }
            var early = Failure(.streamEndedEarly, detail: "ended well before its expected duration")
            early.status = status
            throw early
        }
        return Outcome(status: status, failure: nil, succeeded: true)
    }

    static func needsDiagnosis(_ kind: FailureKind) -> Bool {
        kind == .tlsCertificateInvalid || kind == .tlsCertificateUntrusted || kind == .tlsCertificateExpired
    }

    private func diagnose(_ failure: Failure) async -> Failure {
        guard let url = URL(string: options.url), let host = url.host else { return failure }
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        let roots = options.extraRootsPEM.flatMap { try? TLSDiagnosis.parsePEMCertificates($0) } ?? []
        guard let diagnosed = await TLSDiagnosis.diagnose(host: host, port: port, additionalTrustRoots: roots,
                                                          connectTimeout: TimeAmount(options.connectTimeout))
        else { return failure }
        var exact = failure
        exact.kind = diagnosed.kind
        exact.decision = diagnosed.kind.defaultDecision
        exact.detail = "diagnosed from the peer chain; TLS said: \(failure.detail)"
        return exact
    }

    private func report(for outcome: Outcome, history: [DecisionRecord], start: ContinuousClock.Instant,
                        end: ContinuousClock.Instant) -> ProbeReport {
        let failure = outcome.failure
        var attempts: [ProbeReport.Attempt] = []
        var began = Duration.zero
        for record in history {
            let retried = record.action == .retry || record.action == .refreshAndRetry
            let succeeded = record.action == .succeeded
            let reason: String
            if succeeded {
                reason = failure.map(Self.reason(for:)) ?? "HTTP \(outcome.status ?? 0): success"
            } else {
                reason = Self.reason(for: record)
            }
            attempts.append(ProbeReport.Attempt(
                number: record.attempt, kind: succeeded ? (failure?.kind.id ?? "ok") : (record.kind?.id ?? "ok"),
                status: succeeded ? outcome.status : record.status,
                elapsedSeconds: max(0, (record.elapsed - began).triageSeconds),
                delaySeconds: retried ? record.delay?.triageSeconds : nil,
                reason: redactor.redact(reason)))
            began = record.elapsed + (retried ? record.delay ?? .zero : .zero)
        }
        if attempts.isEmpty {
            attempts.append(ProbeReport.Attempt(
                number: 1, kind: failure?.kind.id ?? "ok", status: outcome.status,
                elapsedSeconds: (end - start).triageSeconds, delaySeconds: nil,
                reason: redactor.redact(failure.map(Self.reason(for:)) ?? "HTTP \(outcome.status ?? 0): success")))
        }
        var explanation: String
        if outcome.succeeded {
            explanation = "succeeded on attempt \(attempts.count)"
        } else if let last = history.last(where: { $0.action != .succeeded }) {
            explanation = "gave up after \(attempts.count) attempt\(attempts.count == 1 ? "" : "s"): " + Self.explanation(for: last, options: options)
        } else {
            explanation = "gave up after 1 attempt: \(failure?.kind.id ?? "unknown")"
        }
        if let failure, failure.delivery == .maybeProcessed, !Self.idempotentMethods.contains(options.method.uppercased()),
           options.idempotencyKey == nil {
            explanation += "; \(options.method.uppercased()) may have been processed and is not idempotent: not safe to resend without --idempotency-key"
        }
        return ProbeReport(
            url: redactor.redact(options.url),
            method: options.method.uppercased(),
            succeeded: outcome.succeeded,
            status: outcome.status,
            failure: failure,
            attempts: attempts,
            explanation: redactor.redact(explanation),
            error: outcome.succeeded ? nil : failure.map { redactor.redact(Self.errorText(for: $0)) }
        )
    }

    /// Why the engine stopped, in the probe's words.
    static func explanation(for record: DecisionRecord, options: ProbeOptions) -> String {
        if record.attempt >= options.maxAttempts, record.decision?.isRetryable == true {
            return "--max-attempts \(options.maxAttempts)"
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
            if let named = record.namedDelay {
                return "\(what) is transient; the server asked for \(seconds(named)) s (Retry-After)"
            }
            return record.reason
        }
    }

    static let idempotentMethods: Set<String> = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]

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

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
