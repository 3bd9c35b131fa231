import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Triage

/// What every attempt of a ``ResilientHTTPClient`` uses, behind one reference: the `HTTPClient`, the
/// options, and the pipeline's attempt timeout already converted to a NIO `TimeAmount`. An attempt's
/// closure captures this one reference instead of copying the client's options (and retaining each
/// of their references) per request.
@usableFromInline
final class ResilientHTTPClientCore: Sendable {
    @usableFromInline let httpClient: HTTPClient
    @usableFromInline let options: ResilientHTTPClientOptions
    /// The pipeline's ``Pipeline/attemptTimeout`` (`nil`: none).
    @usableFromInline let attemptTimeout: Duration?
    /// ``attemptTimeout`` as a `TimeAmount` (whole nanoseconds), computed once.
    @usableFromInline let attemptTimeAmount: TimeAmount

    init(httpClient: HTTPClient, options: ResilientHTTPClientOptions, attemptTimeout: Duration?) {
        self.httpClient = httpClient
        self.options = options
        self.attemptTimeout = attemptTimeout
        self.attemptTimeAmount = attemptTimeout.map(Self.timeAmount) ?? .zero
    }

    /// `duration` (clamped to 0...1 year) as whole nanoseconds, rounded down.
    @usableFromInline
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        min(.hours(24 * 365), TimeAmount(max(duration, .zero)))
    }

    /// `remaining` as a `TimeAmount`; the conversion is skipped when it is the attempt timeout.
    @usableFromInline
    func timeAmount(_ remaining: Duration) -> TimeAmount {
        remaining == attemptTimeout ? attemptTimeAmount : Self.timeAmount(remaining)
    }

    /// Classifies a transport error thrown before the response head. An EOF the parser reports
    /// (`response.incomplete`) is `connection.closed`: no complete head arrived, so no body was cut.
    /// (AsyncHTTPClient's deadline error becomes `attempt.timeout` in the pipeline, which knows whether
    /// the attempt's limit or the overall deadline passed.)
    @usableFromInline
    func classify(_ error: any Error) -> Failure {
        var failure = options.classifier.classify(error)
        if failure.kind == .responseIncomplete {
            failure = Failure(.connectionClosed, delivery: failure.delivery, underlying: error, detail: "closed inside the response head")
        }
        return failure
    }

    /// Reads at most ``ResilientHTTPClientOptions/maximumErrorBodySize`` + 1 bytes of an error response
    /// and classifies it. The read stops at `deadline` (the attempt's): a body still arriving then is
    /// not decoded, and the response is classified by its status and headers alone.
    @usableFromInline
    func failure(for response: HTTPClientResponse, context: HTTPRequestContext, deadline: NIODeadline) async -> Failure {
        let status = Int(response.status.code)
        let headers = response.headers.map { (name: $0.name, value: $0.value) }
        let bytes = await ErrorBodyReader.read(response.body, limit: options.maximumErrorBodySize + 1, deadline: deadline)
        let classifier = options.responseClassifier
        return classifier.classify(status: status, headers: headers, body: bytes, now: Date().timeIntervalSince1970, request: context)
            ?? Failure(.responseMalformed, status: status, detail: "HTTP \(status)")
    }
}

extension ResilientHTTPClientCore {
    /// Sends the request and, when ``ResilientHTTPClientOptions/maximumRedirects`` is set, follows the
    /// redirects AsyncHTTPClient hands back, as ``HTTPRedirect`` says (secret headers dropped across
    /// origins), all inside the attempt's deadline. A request whose body can be sent only once is
    /// redirected only where the redirect drops the body (a 303, or a 301/302 after a POST); otherwise
    /// the 3xx is the answer. More than the maximum, or the same method and URL twice, is `redirect.tooMany`.
    @usableFromInline
    func exchange(_ first: HTTPClientRequest, replayable: Bool, deadline: NIODeadline, logger: Logger?) async throws(Failure) -> HTTPClientResponse {
        var request = first
        var visited: Set<String> = ["\(request.method.rawValue) \(request.url)"]
        while true {
            let response: HTTPClientResponse
            if let invalid = URLPort.outOfRange(in: request.url) { throw invalid }
            do {
                response = try await httpClient.execute(request, deadline: deadline, logger: logger)
            } catch {
                throw classify(error)
            }
            let status = Int(response.status.code)
            guard let maximum = options.maximumRedirects, HTTPRedirect.isRedirect(status),
                  replayable || request.body == nil || HTTPRedirect.becomesGET(status: status, method: request.method.rawValue),
                  let next = HTTPRedirect.next(request, status: status, location: response.headers.first(name: "Location"),
                                               secret: isSecretHeader)
            else { return response }
            guard visited.count <= min(max(0, maximum), 100) else {
                throw Failure(.redirectTooMany, status: status, detail: "more than \(maximum) redirects")
            }
            guard visited.insert("\(next.method.rawValue) \(next.url)").inserted else {
                throw Failure(.redirectTooMany, status: status, detail: "a redirect cycle")
            }
            // The redirect's own body is not wanted; reading it (bounded) lets the connection be reused.
            _ = try? await response.body.collect(upTo: 64 << 10)
            request = next
        }
    }

    /// Whether `name` is one of ``ResilientHTTPClientOptions/secretHeaders`` (compared case-insensitively).
    func isSecretHeader(_ name: String) -> Bool {
        options.secretHeaders.contains { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}

