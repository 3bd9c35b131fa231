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
    /// Attempts run through a ``Pipeline`` with `--max-attempts`, `--timeout` and `--attempt-timeout`;
    /// a non-idempotent method is resent after a `maybeProcessed` failure only with an idempotency key.
    public func run() async -> ProbeReport {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration())
        let start = ContinuousClock.now
        let attemptStarts = Mutex<[ContinuousClock.Instant]>([])
        let lastOutcome = Mutex<Outcome?>(nil)
        let records = Mutex<[DecisionRecord]>([])
        let pipeline = Pipeline(
            clock: ContinuousClock(),
            retry: (try? RetryPolicy(maxAttempts: max(1, options.maxAttempts))) ?? .never,
            timeout: options.timeout,
            attemptTimeout: attemptIsShorter ? options.attemptTimeout : nil,
            classifier: .asyncHTTPClient,
            observer: { record in records.withLock { $0.append(record) } }
        )
        let idempotent = Self.idempotentMethods.contains(options.method.uppercased()) || options.idempotencyKey != nil
        var final: Outcome
        do {
            final = try await pipeline.run(idempotent: idempotent) { _ in
                attemptStarts.withLock { $0.append(.now) }
                var outcome = await self.attempt(with: client)
                if let failure = outcome.failure, Self.needsDiagnosis(failure.kind) {
                    outcome.failure = await self.diagnose(failure)
                }
                lastOutcome.withLock { $0 = outcome }
                if !outcome.succeeded, let failure = outcome.failure { throw failure }
                return outcome
            }
        } catch let failure as Failure {
            final = Outcome(status: failure.status ?? lastOutcome.withLock { $0?.status }, failure: failure, succeeded: false)
        } catch {
            final = Outcome(status: nil, failure: ClassifierChain.asyncHTTPClient.classify(error), succeeded: false)
        }
        try? await client.shutdown()
        let starts = attemptStarts.withLock { $0 }
        let history = records.withLock { $0 }.filter { $0.action != .succeeded }
        return report(for: final, history: history, starts: starts, start: start, end: ContinuousClock.now)
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
        if let body = options.body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }

    /// The per-attempt deadline when it is shorter than the overall one.
    private var attemptIsShorter: Bool { options.attemptTimeout < options.timeout }

    private func attempt(with client: HTTPClient) async -> Outcome {
        let start = ContinuousClock.now
        let deadline = min(options.attemptTimeout, options.timeout)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request(), timeout: TimeAmount(deadline))
        } catch {
            return Outcome(status: nil, failure: classify(error), succeeded: false)
        }
        let status = Int(response.status.code)
        let headers = response.headers.map { (name: $0.name, value: $0.value) }

        if status >= 400 || status < 200 {
            let body = try? await Self.read(response.body, upTo: options.maximumErrorBody)
            let failure = HTTPResponseClassifier().classify(status: status, headers: headers, body: body,
                                                            now: Date().timeIntervalSince1970)
            return Outcome(status: status, failure: failure, succeeded: false)
        }
        do {
            try await Self.drain(response.body)
        } catch {
            var failure = classify(error)
            if options.watch != nil, failure.kind == .responseTimeout {
                failure = Failure(.streamStalled, underlying: error, detail: "no event within the read timeout")
            }
            return Outcome(status: status, failure: failure, succeeded: false)
        }
        if let expected = options.watch {
            let lasted = ContinuousClock.now - start
            if lasted * 10 >= expected * 9 {
                return Outcome(status: status, failure: Failure(.streamEnded, detail: "lasted its expected duration"), succeeded: true)
            }
            return Outcome(status: status, failure: Failure(.streamEndedEarly, detail: "ended well before its expected duration"), succeeded: false)
        }
        return Outcome(status: status, failure: nil, succeeded: true)
    }

    private func classify(_ error: any Error) -> Failure {
        var failure = ClassifierChain.asyncHTTPClient.classify(error)
        if failure.kind == .deadlineExceeded, attemptIsShorter {
            failure = Failure(.attemptTimeout, underlying: error, detail: "--attempt-timeout")
        }
        return failure
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

    static func read(_ body: HTTPClientResponse.Body, upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await var chunk in body {
            let room = limit - bytes.count
            bytes += chunk.readBytes(length: min(room, chunk.readableBytes)) ?? []
            if bytes.count >= limit { break }
        }
        return bytes
    }

    static func drain(_ body: HTTPClientResponse.Body) async throws {
        for try await _ in body {}
    }

    private func report(for outcome: Outcome, history: [DecisionRecord], starts: [ContinuousClock.Instant],
                        start: ContinuousClock.Instant, end: ContinuousClock.Instant) -> ProbeReport {
        let failure = outcome.failure
        var attempts: [ProbeReport.Attempt] = []
        for (index, record) in history.enumerated() {
            let began = index < starts.count ? starts[index] : start
            let finished = index + 1 < starts.count ? starts[index + 1] - (record.delay ?? .zero) : end
            let isLast = !outcome.succeeded && index == history.count - 1
            attempts.append(ProbeReport.Attempt(
                number: record.attempt, kind: record.kind?.id ?? "ok", status: record.status,
                elapsedSeconds: max(0, (finished - began).triageSeconds),
                delaySeconds: isLast || record.action == .gaveUp ? nil : record.delay?.triageSeconds,
                reason: redactor.redact(record.kind.map { _ in Self.reason(for: record) } ?? "success")))
        }
        if outcome.succeeded || attempts.isEmpty {
            let number = max(1, starts.count)
            let began = starts.last ?? start
            attempts = Array(attempts.prefix(number - 1))
            attempts.append(ProbeReport.Attempt(
                number: number, kind: failure?.kind.id ?? "ok", status: outcome.status,
                elapsedSeconds: (end - began).triageSeconds, delaySeconds: nil,
                reason: redactor.redact(failure.map(Self.reason(for:)) ?? "HTTP \(outcome.status ?? 0): success")))
        }
        var explanation: String
        if outcome.succeeded {
            explanation = "succeeded on attempt \(attempts.count)"
        } else if let last = history.last {
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
