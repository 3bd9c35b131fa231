import Triage

extension ResilientHTTPClient {
    /// How the client treats requests and responses (``ResilientHTTPClientOptions``).
    public typealias Options = ResilientHTTPClientOptions
}

/// How a ``ResilientHTTPClient`` treats requests and responses. Validated when made.
public struct ResilientHTTPClientOptions: Sendable {
    /// The largest error body read and decoded, in bytes (default 65 536). A larger body is not
    /// decoded: the response is classified by its status and headers alone.
    public var maximumErrorBodySize: Int { responseClassifier.decoder.maximumBodySize }
    /// How long a response body may go without bytes, applied as AsyncHTTPClient's read timeout by
    /// ``ResilientHTTPClient/withClient(configuration:eventLoopGroup:options:backgroundActivityLogger:isolation:_:)``
    /// (default 30 s). Unlike the per-attempt deadline, which stops at the response head, it covers
    /// the whole body; a stall is `response.timeout`.
    public let idleTimeout: Duration
    /// Give a POST or PATCH without an idempotency key a random one (128 bits, hex), so that it may
    /// be resent after a failure that might have reached the server (default `false`).
    public let generatesIdempotencyKeys: Bool
    /// The header that carries the idempotency key (default `Idempotency-Key`).
    public let idempotencyKeyHeader: String
    /// The server is a Kubernetes API server: a non-Status error body is read as client-go reads
    /// it (apimachinery's `NewGenericServerResponse`) (default `false`).
    public let isKubernetes: Bool
    /// Classifies transport and body errors (default ``ClassifierChain/asyncHTTPClient``).
    public let classifier: ClassifierChain
    /// Turns 4xx/5xx responses into failures (Retry-After cap 1 day, 64 KiB body decoder by default).
    public let responseClassifier: HTTPResponseClassifier
    /// The redirects one attempt follows itself (default 5, AsyncHTTPClient's own default), deciding
    /// which headers go along (``HTTPRedirect``): ``secretHeaders`` never reach another origin. `0`:
    /// a redirect is `redirect.tooMany`; `nil`: none is followed, and the 3xx is the answer. Values
    /// above 100 are taken as 100.
    /// ``ResilientHTTPClient/withClient(configuration:eventLoopGroup:options:backgroundActivityLogger:isolation:_:)``
    /// always turns AsyncHTTPClient's own following off; a client made with
    /// ``ResilientHTTPClient/init(httpClient:pipeline:options:)`` sees only the redirects its
    /// `HTTPClient` hands back (configure it with `redirectConfiguration = .disallow`, or
    /// ``ResilientHTTPClient/configure(_:options:)``).
    public var maximumRedirects: Int?
    /// Header names (lower case) dropped when a redirect goes to another origin, with `Origin`
    /// (default `SecretHeaders.standard`: `Authorization`, `Cookie`, `X-Api-Key`, ...). Add your
    /// own credential headers here, in any case.
    public var secretHeaders: Set<String>

    /// - Throws: ``ConfigurationError`` when `maximumErrorBodySize` is negative or above 16 MiB,
    ///   `idleTimeout` is not positive, the header name is empty or not a token, or
    ///   `maximumRedirects` is outside 0...100.
    public init(
        maximumErrorBodySize: Int = 65_536,
        idleTimeout: Duration = .seconds(30),
        generatesIdempotencyKeys: Bool = false,
        idempotencyKeyHeader: String = "Idempotency-Key",
        isKubernetes: Bool = false,
        classifier: ClassifierChain = .asyncHTTPClient,
        maximumRetryAfter: Duration = .seconds(86_400),
        maximumRedirects: Int? = 5,
        secretHeaders: Set<String> = SecretHeaders.standard
    ) throws(ConfigurationError) {
        guard (0...(16 << 20)).contains(maximumErrorBodySize) else {
            throw ConfigurationError("ResilientHTTPClient.Options.maximumErrorBodySize", "must be 0...16 MiB (\(maximumErrorBodySize))")
        }
        guard idleTimeout > .zero else {
            throw ConfigurationError("ResilientHTTPClient.Options.idleTimeout", "must be positive")
        }
        guard !idempotencyKeyHeader.isEmpty, idempotencyKeyHeader.utf8.allSatisfy(Self.isTokenByte) else {
            throw ConfigurationError("ResilientHTTPClient.Options.idempotencyKeyHeader", "must be a header name")
        }
        if let maximumRedirects, !(0...100).contains(maximumRedirects) {
            throw ConfigurationError("ResilientHTTPClient.Options.maximumRedirects", "must be 0...100 (\(maximumRedirects))")
        }
        self.init(checked: (), maximumErrorBodySize: maximumErrorBodySize, idleTimeout: idleTimeout,
                  generatesIdempotencyKeys: generatesIdempotencyKeys, idempotencyKeyHeader: idempotencyKeyHeader,
                  isKubernetes: isKubernetes, classifier: classifier, maximumRetryAfter: maximumRetryAfter,
                  maximumRedirects: maximumRedirects, secretHeaders: secretHeaders)
    }

    /// Values the public initialiser has checked (or the defaults, which are valid).
    private init(checked: Void, maximumErrorBodySize: Int, idleTimeout: Duration, generatesIdempotencyKeys: Bool, idempotencyKeyHeader: String,
                isKubernetes: Bool, classifier: ClassifierChain, maximumRetryAfter: Duration, maximumRedirects: Int?,
                secretHeaders: Set<String>) {
        self.maximumRedirects = maximumRedirects
        self.secretHeaders = Set(secretHeaders.map { $0.lowercased() })
        self.idleTimeout = idleTimeout
        self.generatesIdempotencyKeys = generatesIdempotencyKeys
        self.idempotencyKeyHeader = idempotencyKeyHeader
        self.isKubernetes = isKubernetes
        self.classifier = classifier
        self.responseClassifier = HTTPResponseClassifier(
            maximumRetryAfter: maximumRetryAfter,
            decoder: APIErrorDecoder(maximumBodySize: maximumErrorBodySize)
        )
    }

    /// The defaults: 64 KiB error bodies, 30 s idle timeout, no generated keys, not Kubernetes, 5
    /// redirects followed with secret headers kept to their origin.
    public init() {
        self.init(checked: (), maximumErrorBodySize: 65_536, idleTimeout: .seconds(30), generatesIdempotencyKeys: false,
                  idempotencyKeyHeader: "Idempotency-Key", isKubernetes: false, classifier: .asyncHTTPClient,
                  maximumRetryAfter: .seconds(86_400), maximumRedirects: 5, secretHeaders: SecretHeaders.standard)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
