import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// An HTTP client that sends every request through a Triage ``Pipeline`` over AsyncHTTPClient.
///
/// - Transport errors are classified (``ResilientHTTPClientOptions/classifier``); responses of 400 and
///   above become a ``Failure`` through ``HTTPResponseClassifier``, with the error body (at most
///   ``ResilientHTTPClientOptions/maximumErrorBodySize`` bytes, default 64 KiB) decoded as a Kubernetes
///   `Status`, an S3 `<Error>` or RFC 9457 problem details.
/// - Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) or requests that carry an
///   `Idempotency-Key` are resent after a failure that may have reached the server (`maybeProcessed`).
/// - `Retry-After` (and Kubernetes `retryAfterSeconds`) delays are honoured by the pipeline.
/// - Buffered request bodies (``RequestBody/bytes(_:)``) are replayed on each attempt; a streaming body is
///   sent once and never retried.
/// - Each attempt's remaining time (the pipeline's per-attempt timeout or what is left of its overall
///   deadline, whichever is shorter) is passed to AsyncHTTPClient's `execute(_:deadline:)`.
///
/// AsyncHTTPClient's own connection-establishment retry must be off
/// (`connectionPool.retryConnectionEstablishment = false`, as ``withClient(configuration:eventLoopGroup:options:backgroundActivityLogger:isolation:_:)``
/// sets it) so that one layer owns the retry loop.
///
/// ```swift
/// try await ResilientHTTPClient.withClient { client in
///     let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:8080/items/1"))
///     print(response.status, response.body.readableBytes)
/// }
/// ```
public struct ResilientHTTPClient<C: Clock>: Sendable where C.Duration == Duration {
    /// The AsyncHTTPClient client the requests go through.
    public var httpClient: HTTPClient { core.httpClient }
    /// The policies every request runs under. Its budget and breaker are shared by every call.
    public let pipeline: Pipeline<C>
    /// How requests and responses are handled.
    public var options: Options { core.options }
    /// The client and options behind one reference, for the per-request closure to capture.
    @usableFromInline let core: ResilientHTTPClientCore

    /// Wraps `httpClient`, which you keep and shut down yourself.
    public init(httpClient: HTTPClient, pipeline: Pipeline<C>, options: Options = Options()) {
        self.pipeline = pipeline
        self.core = ResilientHTTPClientCore(httpClient: httpClient, options: options, attemptTimeout: pipeline.attemptTimeout)
    }

    /// A complete response: 1xx–3xx statuses (4xx and 5xx are thrown as a ``Failure``).
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        /// The whole body.
        public var body: ByteBuffer

        @usableFromInline
        init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Sends `request` and collects the whole response body.
    ///
    /// - Parameters:
    ///   - body: the request body; `.bytes` is replayed on every attempt. A body set on `request.body`
    ///     instead counts as a stream: sent once, never retried.
    ///   - maximumBodySize: the largest response body collected, in bytes (default 16 MiB); a larger one
    ///     fails with `response.tooLarge`.
    ///   - idempotent: whether the request may be resent after a failure that may have reached the server
    ///     (`nil`, the default: when its method is idempotent or it carries an idempotency key).
    /// - Throws: a ``Failure`` (with ``Failure/history``) when the request fails for good.
    @inlinable
    public func execute(
        _ request: HTTPClientRequest,
        body: RequestBody? = nil,
        maximumBodySize: Int = 16 << 20,
        idempotent: Bool? = nil,
        logger: Logger? = nil
    ) async throws -> Response {
        try await execute(request, body: body, idempotent: idempotent, logger: logger) { response in
            let bytes = try await response.body.collect(upTo: maximumBodySize, deadline: response.deadline,
                                                        timeoutKind: response.deadlineFailure)
            return Response(status: response.status, headers: response.headers, body: bytes)
        }
    }
}
