import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Triage
import TriageHTTP
import TriageNIO
import X509

/// Sends the probe's request through AsyncHTTPClient and explains what happened.
///
/// AsyncHTTPClient's own connection-establishment retry is off, so a refused port is reported at once
/// rather than after the connect timeout. Redirects are followed here, not by AsyncHTTPClient, so
/// that no secret header goes to another origin (``ProbeRedirect``). `--timeout` bounds the whole
/// probe, the response bodies included. When a certificate fails verification the peer chain is
/// fetched again and ``TLSDiagnosis`` names the exact reason.
public struct ProbeRunner: Sendable {
    public var options: ProbeOptions
    let redactor: Redactor

    public init(options: ProbeOptions) {
        self.options = options
        self.redactor = Redactor(url: options.url, headers: options.headers, secretHeaderNames: options.secretHeaders)
    }

    /// Runs the probe. Never throws: every failure is part of the report.
    ///
    /// The request goes through ``ResilientHTTPClient`` with a ``Pipeline`` built from `--max-attempts`,
    /// `--timeout` and `--attempt-timeout`; a non-idempotent method is resent after a `maybeProcessed`
    /// failure only with an idempotency key. When `--timeout` passes while a body is still arriving
    /// (a 200 whose body never ends, an error body trickling in), the probe stops there with
    /// `deadline.exceeded`.
    public func run() async -> ProbeReport {
        let progress = Progress()
        let start = ContinuousClock.now
        let deadline = start + options.timeout
        let finished: Outcome? = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.follow(progress: progress) }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        var final: Outcome
        if let finished {
            final = finished
        } else {
            let status = progress.lastStatus.withLock { $0 }
            var late = Failure(.deadlineExceeded, delivery: status == nil ? nil : .processed, status: status,
                               detail: "--timeout \(Self.seconds(options.timeout)) s passed before the exchange ended")
            late.status = status
            final = Outcome(status: status, failure: late, succeeded: false)
        }
        let history = progress.records.withLock { $0 }
        return report(for: final, history: history, redirects: progress.redirects.withLock { $0 }, start: start, end: ContinuousClock.now)
    }

    struct Outcome: Sendable {
        var status: Int?
        var failure: Failure?
        var succeeded: Bool
        /// The `Location` of a 3xx response, to follow.
        var location: String? = nil
    }

    /// What the probe saw so far, shared with the task that may be cut short by the deadline.
    final class Progress: Sendable {
        let records = LockedValue<[DecisionRecord]>([])
        let lastStatus = LockedValue<Int?>(nil)
        let redirects = LockedValue(0)
    }

    /// Sends the request and follows its redirects.
    private func follow(progress: Progress) async -> Outcome {
        let pipeline = Pipeline(
            clock: ContinuousClock(),
            retry: RetryPolicy(maximumAttempts: max(1, options.maximumAttempts)),
            deadline: options.timeout,
            attemptTimeout: attemptIsShorter ? options.attemptTimeout : nil,
            classifier: .asyncHTTPClient,
            observer: { record in progress.records.withLock { $0.append(record) } }
        )
        var clientOptions = (try? ResilientHTTPClientOptions(
            maximumErrorBodySize: min(max(0, options.maximumErrorBody), 16 << 20),
            idleTimeout: options.readTimeout ?? options.attemptTimeout
        )) ?? ResilientHTTPClientOptions()
        // The probe follows redirects itself (ProbeRedirect), one hop per report line.
        clientOptions.maximumRedirects = nil
        var hop = ProbeRedirect(url: options.url, method: options.method.uppercased(), headers: options.headers, body: options.body)
        var visited: Set<String> = [options.url]
        do {
            return try await ResilientHTTPClient.withClient(pipeline: pipeline, configuration: clientConfiguration(), options: clientOptions) { client in
                while true {
                    let recordsBefore = progress.records.withLock { $0.count }
                    let outcome = try await client.execute(self.request(hop), body: hop.body.map { RequestBody.bytes($0) }) { response in
                        progress.lastStatus.withLock { $0 = Int(response.status.code) }
                        return try await self.readBody(response)
                    }
                    guard let status = outcome.status, (300..<400).contains(status),
                          let next = try hop.next(status: status, location: outcome.location, visited: visited, redactor: self.redactor)
                    else { return outcome }
                    // A hop that was redirected is not an attempt of the request: its record goes.
                    progress.records.withLock { $0.removeSubrange(recordsBefore...) }
                    progress.redirects.withLock { $0 += 1 }
                    visited.insert(next.url)
                    hop = next
                }
            }
        } catch {
            var failure = (error as? Failure) ?? ClassifierChain.asyncHTTPClient.classify(error)
            if Self.needsDiagnosis(failure.kind) {
                failure = await diagnose(failure)
                progress.records.withLock { history in
                    if !history.isEmpty { history[history.count - 1].kind = failure.kind }
                }
            }
            return Outcome(status: failure.status ?? progress.lastStatus.withLock { $0 }, failure: failure, succeeded: false)
        }
    }

    private func clientConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(options.connectTimeout), read: TimeAmount(options.readTimeout ?? options.attemptTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        if let pem = options.extraRootsPEM, let roots = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)) {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(roots)]
            configuration.tlsConfiguration = tls
        }
        return configuration
    }

    private func request(_ hop: ProbeRedirect) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: hop.url)
        request.method = HTTPMethod(rawValue: hop.method)
        for header in hop.headers { request.headers.add(name: header.name, value: header.value) }
        if let key = options.idempotencyKey { request.headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
        return request
    }

    /// The per-attempt deadline when it is shorter than the overall one.
    private var attemptIsShorter: Bool { options.attemptTimeout < options.timeout }

    /// Reads a successful response's body; for `--watch`, judges how the stream ended.
    private func readBody(_ response: ResilientHTTPClient<ContinuousClock>.StreamingResponse) async throws -> Outcome {
        let status = Int(response.status.code)
        if (300..<400).contains(status) {
            try await drain(response)
            return Outcome(status: status, failure: nil, succeeded: true, location: response.headers.first(name: "Location"))
        }
        do {
            try await drain(response)
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

    /// Reads `response`'s body to its end. Unless it is a `--watch` stream (expected to outlast an
    /// attempt), the attempt's deadline is checked between chunks: a body trickling in faster than the read
    /// timeout ends the attempt at `--attempt-timeout` (or `--timeout`), as it would the head.
    private func drain(_ response: ResilientHTTPClient<ContinuousClock>.StreamingResponse) async throws {
        let bounded = options.watch == nil && response.deadline != .distantFuture
        for try await _ in response.body where bounded && NIODeadline.now() > response.deadline {
            throw Failure(response.deadlineFailure, delivery: .processed, detail: "the body was still arriving at the deadline")
        }
    }

    /// Whether `kind` is one of the certificate kinds BoringSSL does not tell apart, which
    /// ``diagnosed(_:host:port:serverName:trustRootsPEM:connectTimeout:)`` names exactly.
    public static func needsDiagnosis(_ kind: FailureKind) -> Bool {
        kind == .tlsCertificateInvalid || kind == .tlsCertificateUntrusted || kind == .tlsCertificateExpired
    }

    private func diagnose(_ failure: Failure) async -> Failure {
        guard let url = URL(string: options.url), let host = url.host else { return failure }
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        return await Self.diagnosed(failure, host: host, port: port, trustRootsPEM: options.extraRootsPEM,
                                    connectTimeout: TimeAmount(options.connectTimeout))
    }

    /// `failure` with the exact certificate kind (``TLSDiagnosis``, from the chain `host:port` sends)
    /// when it is one ``needsDiagnosis(_:)`` names, else (or when no chain could be had) unchanged.
    /// `triage probe` and `triage kube` use it alike.
    /// - Parameter trustRootsPEM: PEM certificates trusted in addition to the system's roots.
    public static func diagnosed(_ failure: Failure, host: String, port: Int, serverName: String? = nil, trustRootsPEM: String?,
                                 connectTimeout: TimeAmount = .seconds(5)) async -> Failure {
        guard needsDiagnosis(failure.kind) else { return failure }
        let roots = trustRootsPEM.flatMap { try? TLSDiagnosis.parsePEMCertificates($0) } ?? []
        guard let diagnosed = await TLSDiagnosis.diagnose(host: host, port: port, serverName: serverName, additionalTrustRoots: roots,
                                                          connectTimeout: connectTimeout)
        else { return failure }
        var exact = failure
        exact.kind = diagnosed.kind
        exact.decision = diagnosed.kind.defaultDecision
        exact.detail = "diagnosed from the peer chain; TLS said: \(failure.detail)"
        return exact
    }
}
