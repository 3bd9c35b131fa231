import Foundation
import Logging
import NIOCore
import Synchronization
import Triage
import TriageHTTP

/// One S3 request as an operation describes it, before addressing and signing.
struct S3RequestSpec: Sendable {
    var operation: S3Operation
    var method: String
    var bucket: String
    var key: String = ""
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: ByteBuffer?
    /// Counts the attempts made (the bulk operations report them per item).
    var attempts: S3AttemptCounter?
}

/// Counts attempts across the tasks of one operation.
final class S3AttemptCounter: Sendable {
    private let count = Atomic(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

extension S3Client {
    /// Sends `spec` through the pipeline, signed afresh at each attempt, and hands a response below
    /// 300 to `handle` (which may throw to have the attempt classified and retried). Follows one S3
    /// redirect. Logs and counts the outcome.
    ///
    /// - Throws: a ``Triage/Failure`` whose `underlying` is the ``S3OperationContext``.
    func send<T: Sendable>(_ spec: S3RequestSpec,
                           _ handle: @escaping @Sendable (S3TransportResponse) async throws -> T) async throws(Failure) -> T {
        let started = ContinuousClock.now
        var spec = spec
        var metadata: Logger.Metadata = ["s3.operation": "\(spec.operation.name)", "s3.bucket": "\(spec.bucket)", "s3.key": "\(spec.key)"]
        do throws(Failure) {
            let value: T
            do throws(Failure) {
                value = try await attempts(spec, region: state.region(for: spec.bucket) ?? region, handle)
            } catch let failure where failure.kind == .s3Redirect {
                // Sign for the region S3 named (or, when it named none, the one HeadBucket reports, as
                // botocore asks) and try once more.
                var named = failure.s3Redirect
                if named == nil { named = await discoverRegion(of: spec.bucket) }
                guard let target = named else { throw failure }
                state.setRegion(target, for: spec.bucket)
                logger?.debug("s3.redirect", metadata: metadata.merging(["s3.region": "\(target)"]) { $1 })
                spec.headers.removeAll { $0.name.lowercased() == "authorization" }
                value = try await attempts(spec, region: target, handle)
            }
            metrics.record(operation: spec.operation, outcome: "ok", duration: ContinuousClock.now - started)
            logger?.debug("s3.ok", metadata: metadata)
            return value
        } catch {
            var failure = error
            failure.underlying = S3OperationContext(operation: spec.operation, bucket: spec.bucket, key: spec.key, cause: failure.underlying)
            metadata["s3.code"] = failure.s3.code.map { "\($0)" }
            metadata["http.status"] = failure.status.map { "\($0)" }
            metadata["s3.request_id"] = failure.s3.requestID.map { "\($0)" }
            metadata["triage.kind"] = "\(failure.kind.id)"
            metrics.record(operation: spec.operation, outcome: failure.kind.id, duration: ContinuousClock.now - started)
            logger?.warning("s3.failed", metadata: metadata)
            throw failure
        }
    }

    private func attempts<T: Sendable>(_ spec: S3RequestSpec, region: String,
                                       _ handle: @escaping @Sendable (S3TransportResponse) async throws -> T) async throws(Failure) -> T {
        let client = self
        return try await pipeline.run(idempotent: true) { attempt in
            spec.attempts?.increment()
            let request = try await client.signedRequest(spec, region: region)
            let deadline: NIODeadline = attempt.timeLimit.map { .now() + TimeAmount($0) } ?? .distantFuture
            let response: S3TransportResponse
            do {
                response = try await client.transport.send(request, body: spec.body, deadline: deadline, logger: client.logger)
            } catch {
                throw client.classifier.classify(error)
            }
            if response.status >= 300 {
                let failure = await client.failure(for: response, method: spec.method, deadline: deadline)
                if let refresh = client.refreshCredentials, let code = failure.s3.code, S3ErrorCodes.expiredCredentials.contains(code),
                   let fresh = try? await refresh() {
                    client.state.credentials = fresh
                }
                throw failure
            }
            do {
                return try await handle(response)
            } catch {
                throw client.classifier.classify(error)
            }
        }
    }

    /// The region `x-amz-bucket-region` names in the answer to one `HeadBucket` (S3 sends it with a
    /// 200, a 301 or a 403 alike); `nil` when no answer names one.
    func discoverRegion(of bucket: String) async -> String? {
        guard !bucket.isEmpty,
              let request = try? await signedRequest(S3RequestSpec(operation: .headBucket, method: "HEAD", bucket: bucket), region: region),
              let response = try? await transport.send(request, body: nil, deadline: .now() + .seconds(10), logger: logger) else { return nil }
        return response.header("x-amz-bucket-region").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The request for `spec`, addressed and signed now (plus the learned clock offset).
    func signedRequest(_ spec: S3RequestSpec, region: String) async throws -> SigV4Request {
        let address = endpoint.address(bucket: spec.bucket, key: spec.key)
        var request = SigV4Request(method: spec.method, scheme: endpoint.scheme, authority: address.authority, path: address.path,
                                   query: spec.query, headers: spec.headers)
        let payload: SigV4Signer.Payload
        if let body = spec.body, body.readableBytes > 0 {
            payload = signsPayload ? .hashing(body) : .unsigned
        } else {
            payload = .empty
        }
        let signer = SigV4Signer(credentials: state.credentials, region: region)
        signer.sign(&request, payload: payload, date: wallClock().addingTimeInterval(state.clockOffset))
        return request
    }

    /// The failure a response of 300 or more stands for, with S3's codes refined as botocore reads them.
    ///
    /// The error body is read up to 64 KiB and never past `deadline` (the attempt's).
    func failure(for response: S3TransportResponse, method: String, deadline: NIODeadline) async -> Failure {
        // A body cut short, or still coming at the deadline, is not decoded.
        let bytes = await ErrorBodyReader.read(response.body, limit: 64 << 10, deadline: deadline) ?? []
        if (300..<400).contains(response.status) || Self.namesAnotherRegion(status: response.status, body: bytes) {
            return redirectFailure(response, body: bytes)
        }
        let failure = responseClassifier.classify(status: response.status, headers: response.headers, body: bytes,
                                                  now: wallClock().timeIntervalSince1970,
                                                  request: HTTPRequestContext(method: method))
            ?? Failure(.responseMalformed, status: response.status, detail: "HTTP \(response.status)")
        return refine(Self.identified(failure, by: response), serverDate: response.header("Date"))
    }

    /// `failure` with the request and host ids of the response's `x-amz-request-id` and `x-amz-id-2`
    /// headers when no error body named them: a HEAD's error has no body, and a 5xx from a proxy may
    /// have none S3 wrote. S3 support asks for both ids.
    static func identified(_ failure: Failure, by response: S3TransportResponse) -> Failure {
        let requestID = response.header("x-amz-request-id").flatMap { $0.isEmpty ? nil : $0 }
        let hostID = response.header("x-amz-id-2").flatMap { $0.isEmpty ? nil : $0 }
        guard requestID != nil || hostID != nil else { return failure }
        var identified = failure
        if var api = failure.api {
            api.requestID = api.requestID ?? requestID
            api.hostID = api.hostID ?? hostID
            identified.api = api
        } else {
            identified.api = APIErrorInfo(format: .s3, requestID: requestID, hostID: hostID)
        }
        return identified
    }

    /// botocore's reading of S3's codes (``S3ErrorCodes``), and the clock offset a skew error shows.
    func refine(_ failure: Failure, serverDate: String?) -> Failure {
        guard let code = failure.s3.code else { return failure }
        var kind = failure.kind
        var decision: Decision?
        if S3ErrorCodes.isThrottling(code) {
            kind = .httpThrottled
        } else if S3ErrorCodes.transient.contains(code) {
            kind = .httpRequestTimeout
        } else if S3ErrorCodes.clockSkew.contains(code) {
            kind = .httpClockSkew
            if let serverDate, let date = Self.parseHTTPDate(serverDate) {
                state.clockOffset = date - wallClock().timeIntervalSince1970
            }
        } else if S3ErrorCodes.expiredCredentials.contains(code) {
            // Retried only with new credentials to sign with (``attempts`` fetches them first).
            guard refreshCredentials != nil else { return failure }
            decision = .retry
        } else {
            return failure
        }
        guard kind != failure.kind || decision != nil else { return failure }
        var refined = Failure(kind, decision: decision, retryAfter: failure.retryAfter, status: failure.status, api: failure.api,
                              underlying: failure.underlying, detail: failure.detail)
        refined.delivery = failure.delivery
        return refined
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
    static func parseHTTPDate(_ text: String) -> TimeInterval? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    func redirectFailure(_ response: S3TransportResponse, body: [UInt8]) -> Failure {
        let document = S3ErrorResponse.decode(body, requestIDHeader: response.header("x-amz-request-id"))
        let api = document.map { APIErrorInfo(format: .s3, code: $0.code, message: $0.message, requestID: $0.requestID, document: .s3($0)) }
        var failure = Failure(.s3Redirect, status: response.status, api: api, detail: "HTTP \(response.status)")
        failure.delivery = .processed
        let named = response.header("x-amz-bucket-region") ?? S3XML.value("Region", in: Substring(String(decoding: body, as: UTF8.self)))
        if let region = named, !region.isEmpty {
            failure.underlying = S3RedirectTarget(region: region)
        }
        return failure
    }

    /// A 400 `AuthorizationHeaderMalformed` (or another redirect code) whose body names the region
    /// the bucket is in: signed for the wrong region, to be re-addressed like a 301.
    static func namesAnotherRegion(status: Int, body: [UInt8]) -> Bool {
        guard status == 400, let document = S3ErrorResponse.decode(body), S3ErrorCodes.redirect.contains(document.code) else { return false }
        return S3XML.value("Region", in: Substring(String(decoding: body, as: UTF8.self))) != nil
    }
}

/// The region a redirect names (`x-amz-bucket-region`).
struct S3RedirectTarget: Error, Sendable {
    var region: String
}

extension Failure {
    /// The region to re-address to, when this is an S3 redirect that names one.
    var s3Redirect: String? {
        guard kind == .s3Redirect else { return nil }
        return (underlying as? S3RedirectTarget)?.region
    }
}

extension FailureKind {
    /// `s3.redirect`: S3 answered with a redirect (301/307, `PermanentRedirect`) that re-addressing
    /// to the region it named did not resolve. Default decision `fail`, delivery `processed`.
    public static let s3Redirect = FailureKind(id: "s3.redirect", decision: .fail, delivery: .processed,
                                               summary: "S3 redirect to another region or endpoint")
}
