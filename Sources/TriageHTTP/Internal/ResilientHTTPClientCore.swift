import AsyncHTTPClient
import Foundation
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
