import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

extension ResilientHTTPClient {
    /// A response whose body is read as it arrives.
    public struct StreamingResponse: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        /// The body; errors while reading it are thrown as classified ``Failure``s.
        public var body: ResponseBody
        /// When this attempt's time is up (its timeout, or what is left of the overall deadline).
        /// AsyncHTTPClient holds the request to it until the response head; reading the body is held
        /// only to the idle timeout, so a handler that reads a long body should stop by then
        /// (``ResponseBody/collect(upTo:deadline:timeoutKind:)`` does).
        public var deadline: NIODeadline
        /// The kind to report when ``deadline`` passes: `attempt.timeout` or `deadline.exceeded`.
        public var deadlineFailure: FailureKind
        /// When this attempt began sending the request (how long a stream lasted is measured from here).
        public var started: ContinuousClock.Instant

        @usableFromInline
        init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ResponseBody, deadline: NIODeadline,
             deadlineFailure: FailureKind, started: ContinuousClock.Instant) {
            self.status = status
            self.headers = headers
            self.body = body
            self.deadline = deadline
            self.deadlineFailure = deadlineFailure
            self.started = started
        }
    }

    /// Sends `request` and hands the response (status below 400) to `handle`, which reads the body as
    /// it streams.
    ///
    /// The exchange, head and body, is one attempt: when `handle` throws a retryable failure (the body
    /// was cut short, a stall hit the idle timeout) and the request may be resent, the pipeline sends the
    /// request again and calls `handle` with the new response. Write `handle` so that it can start over.
    /// Errors `handle` throws itself are classified with ``ResilientHTTPClientOptions/classifier`` (a ``Failure`` is kept).
    ///
    /// - Parameter idempotent: whether the request may be resent after a failure that may have reached the
    ///   server (`nil`, the default: when its method is idempotent or it carries an idempotency key). A
    ///   failure that certainly did not reach it is retried either way.
    /// - Throws: a ``Failure`` (with ``Failure/history``) when the request fails for good.
    @inlinable
    public func execute<T: Sendable>(
        _ request: HTTPClientRequest,
        body: RequestBody? = nil,
        idempotent: Bool? = nil,
        logger: Logger? = nil,
        _ handle: @escaping @Sendable (StreamingResponse) async throws -> T
    ) async throws -> T {
        var prepared = prepare(request, body: body)
        if let idempotent { prepared.idempotent = idempotent }
        if prepared.replayable {
            return try await send(prepared, through: pipeline, logger: logger, handle)
        }
        // A single-pass body can be sent once: never again, and never beside itself as a hedge.
        var once = pipeline
        once.retry = .never
        once.hedging = nil
        return try await send(prepared, through: once, logger: logger, handle)
    }

    /// One attempt per pipeline attempt. The closure captures the client's ``core`` (one reference),
    /// not the whole client with its pipeline and options. `pipeline` is ``pipeline`` or a copy with
    /// another retry policy: the attempt timeout the core converted once must be the same.
    @inlinable
    func send<T: Sendable>(
        _ prepared: PreparedRequest,
        through pipeline: Pipeline<C>,
        logger: Logger?,
        _ handle: @escaping @Sendable (StreamingResponse) async throws -> T
    ) async throws -> T {
        let core = self.core
        return try await pipeline.run(idempotent: prepared.idempotent) { attempt in
            let started = ContinuousClock.now
            let limit = Self.attemptLimit(attempt, core: core)
            let response: HTTPClientResponse
            do {
                response = try await core.httpClient.execute(prepared.request, deadline: limit.deadline, logger: logger)
            } catch {
                throw core.classify(error)
            }
            if response.status.code >= 400 {
                let context = HTTPRequestContext(
                    method: prepared.request.method.rawValue,
                    isWatch: HTTPRequestContext.isWatch(url: prepared.request.url),
                    isKubernetes: core.options.isKubernetes
                )
                throw await core.failure(for: response, context: context, deadline: limit.deadline)
            }
            let streaming = StreamingResponse(
                status: response.status,
                headers: response.headers,
                body: ResponseBody(base: response.body, classifier: core.options.classifier),
                deadline: limit.deadline,
                deadlineFailure: limit.isOverallDeadline ? .deadlineExceeded : .attemptTimeout,
                started: started
            )
            do {
                return try await handle(streaming)
            } catch {
                throw core.options.classifier.classify(error)
            }
        }
    }

    /// The time an attempt may take: the per-attempt timeout or what is left of the overall deadline.
    @usableFromInline
    struct AttemptLimit {
        @usableFromInline var deadline: NIODeadline
        /// `true` when the overall deadline is the shorter of the two.
        @usableFromInline var isOverallDeadline: Bool

        @usableFromInline
        init(deadline: NIODeadline, isOverallDeadline: Bool) {
            self.deadline = deadline
            self.isOverallDeadline = isOverallDeadline
        }
    }

    /// The attempt's time limit (``Pipeline/Attempt/timeLimit``) as a deadline for AsyncHTTPClient.
    @usableFromInline
    static func attemptLimit(_ attempt: Pipeline<C>.Attempt, core: ResilientHTTPClientCore) -> AttemptLimit {
        guard let remaining = attempt.timeLimit else { return AttemptLimit(deadline: .distantFuture, isOverallDeadline: false) }
        let isOverall = core.attemptTimeout.map { remaining < $0 } ?? true
        return AttemptLimit(deadline: .now() + core.timeAmount(remaining), isOverallDeadline: isOverall)
    }
}
