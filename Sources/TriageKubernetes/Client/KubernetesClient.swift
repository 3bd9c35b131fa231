import Foundation
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Triage
import TriageHTTP

/// A dynamic Kubernetes API client over a ``ResilientHTTPClient``: any resource path (core `/api/v1/...`
/// and `/apis/GROUP/VERSION/...`, namespaced or not), objects as raw JSON (``KubernetesObject``) or any
/// `Codable` type.
///
/// - Errors are ``Triage/Failure``s classified by the engine, with the decoded Kubernetes `Status` in
///   ``Triage/Failure/api`` (`failure.api?.document`) and its predicates.
/// - Retries follow the engine's rules: get, list, delete and a replace that carries a
///   `metadata.resourceVersion` may be resent after a failure that may have reached the server; create,
///   patch and a replace without a resourceVersion are not (it could overwrite a newer write).
/// - A 401 with a token file re-reads the file (a rotated token) and tries once more.
///
/// ```swift
/// let configuration = try KubernetesConfiguration.load()
/// try await KubernetesClient.withClient(configuration: configuration) { client in
///     let pods = try await client.list("/api/v1/namespaces/default/pods")
///     print(pods.resourceVersion, pods.items.count)
/// }
/// ```
public struct KubernetesClient<C: Clock>: Sendable where C.Duration == Duration {
    /// The HTTP client every request goes through; its pipeline's budget and breaker are shared.
    public private(set) var http: ResilientHTTPClient<C>
    /// The server and credentials.
    public let configuration: KubernetesConfiguration
    /// The bearer token, when the configuration has one.
    public let tokens: TokenSource?
    /// One attempt per call, for watches, whose retry loop is the ``WatchSupervisor``'s.
    let singleAttempt: ResilientHTTPClient<C>
    /// Where requests go when the configuration has a ``KubernetesConfiguration/tlsServerName``.
    let route: ServerNameRoute?

    /// Wraps `http`; the configuration gives the server and credentials. Its TLS settings (and, for a
    /// ``KubernetesConfiguration/tlsServerName``, its `dnsOverride`) must already be in `http`'s
    /// AsyncHTTPClient: ``KubernetesConfiguration/httpClientConfiguration()`` makes them, and
    /// ``withClient(configuration:pipeline:logger:isolation:_:)`` uses it.
    public init(http: ResilientHTTPClient<C>, configuration: KubernetesConfiguration) {
        self.http = http
        self.configuration = configuration
        self.route = ServerNameRoute(server: configuration.server, serverName: configuration.tlsServerName)
        self.tokens = configuration.credentials.bearer.map { TokenSource($0) }
        var once = http.pipeline
        once.retry = .never
        self.singleAttempt = ResilientHTTPClient(httpClient: http.httpClient, pipeline: once, options: http.options)
    }

    /// The pipeline the client's requests run under.
    public var pipeline: Pipeline<C> { http.pipeline }

    /// This client with `extra` called after its pipeline's observer for every decision record; the
    /// budget, breaker, token and connection pool stay shared.
    func observing(_ extra: @escaping @Sendable (DecisionRecord) -> Void) -> KubernetesClient<C> {
        var pipeline = http.pipeline
        let own = pipeline.observer
        pipeline.observer = { record in
            own?(record)
            extra(record)
        }
        var copy = self
        copy.http = ResilientHTTPClient(httpClient: http.httpClient, pipeline: pipeline, options: http.options)
        return copy
    }

    /// `server + path + ?query`, with the query's values percent-encoded. With a
    /// ``KubernetesConfiguration/tlsServerName``, the server's host is replaced by that name (the HTTP
    /// client's `dnsOverride` maps it back, and ``request(_:_:query:contentType:)`` sends the server's
    /// `Host`), so that the certificate is verified against the name.
    public func url(_ path: String, query: [(String, String)] = []) -> String {
        var text = (route?.base ?? configuration.server) + (path.hasPrefix("/") ? path : "/" + path)
        if !query.isEmpty {
            text += "?" + query.map { "\($0.0)=\(PercentEncoding.encoded($0.1))" }.joined(separator: "&")
        }
        return text
    }

    /// A request for `path` with the credentials' `Authorization` header and JSON `Accept`.
    public func request(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
                        contentType: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        if let route { request.headers.add(name: "Host", value: route.authority) }
        request.headers.add(name: "Accept", value: "application/json")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let token = tokens?.token() {
            request.headers.add(name: "Authorization", value: "Bearer " + token)
        } else if let basic = configuration.credentials.basic {
            let pair = Array((basic.username + ":" + basic.password).utf8)
            request.headers.add(name: "Authorization", value: "Basic " + Self.base64(pair))
        }
        return request
    }

    /// Sends a request built by `make` (called again after a 401 with a token file) and collects the body.
    func send(idempotent: Bool, body: [UInt8]? = nil, logger: Logger?,
              _ make: () -> HTTPClientRequest) async throws -> ResilientHTTPClient<C>.Response {
        do {
            return try await sendOnce(make(), idempotent: idempotent, body: body, logger: logger)
        } catch let failure as Triage.Failure where failure.status == 401 && tokens != nil && configuration.credentials.bearer.isFile {
            tokens?.invalidate()
            return try await sendOnce(make(), idempotent: idempotent, body: body, logger: logger)
        }
    }

    /// One pass through the pipeline: `idempotent` says whether a failure that may have reached the server
    /// is resent, whatever the method (a PUT without resourceVersion is not).
    private func sendOnce(_ request: HTTPClientRequest, idempotent: Bool, body: [UInt8]?,
                          logger: Logger?) async throws -> ResilientHTTPClient<C>.Response {
        try await http.execute(request, body: body.map { RequestBody.bytes(ByteBuffer(bytes: $0)) }, idempotent: idempotent, logger: logger)
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}

extension KubernetesConfiguration.BearerToken? {
    var isFile: Bool {
        if case .file = self { return true }
        return false
    }
}
