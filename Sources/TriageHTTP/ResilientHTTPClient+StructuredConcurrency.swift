import AsyncHTTPClient
import Logging
import NIOCore

extension ResilientHTTPClient {
    /// Starts a client with its own AsyncHTTPClient (`HTTPClient.withHTTPClient`), runs `body`, and
    /// shuts AsyncHTTPClient down afterwards, whether `body` throws or not.
    ///
    /// `configuration` is used with `connectionPool.retryConnectionEstablishment = false` (Triage owns
    /// the retry loop) and, when it sets no read timeout, `options.idleTimeout` as the read timeout.
    /// - Throws: ``ConfigurationError`` before anything starts when `pipeline` does not validate
    ///   (``Pipeline/validate()``); else what `body` throws.
    public static func withClient<Return>(
        pipeline: Pipeline<C>,
        configuration: HTTPClient.Configuration = HTTPClient.Configuration(),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        options: Options = Options(),
        backgroundActivityLogger: Logger? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ResilientHTTPClient<C>) async throws -> Return
    ) async throws -> Return {
        try pipeline.validate()
        return try await HTTPClient.withHTTPClient(
            eventLoopGroup: eventLoopGroup,
            configuration: Self.configure(configuration, options: options),
            backgroundActivityLogger: backgroundActivityLogger ?? Logger(label: "triage.http", factory: { _ in SwiftLogNoOpLogHandler() }),
            isolation: isolation
        ) { httpClient in
            try await body(ResilientHTTPClient(httpClient: httpClient, pipeline: pipeline, options: options))
        }
    }

    /// `configuration` as the client needs it: no connection-establishment retry and no redirect
    /// following in AsyncHTTPClient (the client owns both: it retries, and it follows redirects itself
    /// as ``ResilientHTTPClientOptions/maximumRedirects`` says, keeping secret headers to their
    /// origin), and a read timeout.
    public static func configure(_ configuration: HTTPClient.Configuration, options: Options) -> HTTPClient.Configuration {
        var configuration = configuration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        if configuration.timeout.read == nil {
            configuration.timeout.read = min(.hours(24 * 365), TimeAmount(options.idleTimeout))
        }
        return configuration
    }
}

extension ResilientHTTPClient where C == ContinuousClock {
    /// ``Pipeline/standard`` (30 s deadline, 3 attempts, retry budget, breaker, 10 s per attempt), whose
    /// timeouts are cooperative: each attempt's time goes to AsyncHTTPClient's `execute(_:deadline:)`, which
    /// holds the request to it up to the response head; the body is held to the idle timeout, and the
    /// buffered `execute` also stops at the deadline between chunks. No task or timer runs beside a request.
    /// Each access makes a new budget and breaker.
    public static var standardPipeline: Pipeline<ContinuousClock> { .standard }

    /// Starts a client with ``standardPipeline``, runs `body`, and shuts AsyncHTTPClient down afterwards.
    public static func withClient<Return>(
        configuration: HTTPClient.Configuration = HTTPClient.Configuration(),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        options: Options = Options(),
        backgroundActivityLogger: Logger? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ResilientHTTPClient<ContinuousClock>) async throws -> Return
    ) async throws -> Return {
        try await withClient(pipeline: standardPipeline, configuration: configuration, eventLoopGroup: eventLoopGroup, options: options,
                             backgroundActivityLogger: backgroundActivityLogger, isolation: isolation, body)
    }
}
