import AsyncHTTPClient
import Logging
import NIOCore
import NIOSSL
import Triage
import TriageHTTP

extension KubernetesConfiguration {
    /// The TLS settings of this configuration: its CA (or the system's roots), no verification when
    /// ``insecureSkipTLSVerify``, its client certificate and key.
    ///
    /// - Throws: ``KubernetesConfigurationError`` (`invalidCredentials`) when a PEM does not parse.
    public func tlsConfiguration() throws(KubernetesConfigurationError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = certificateAuthorityPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            } catch {
                throw KubernetesConfigurationError(.invalidCredentials, "the certificate authority is not PEM certificates")
            }
        }
        if insecureSkipTLSVerify { tls.certificateVerification = .none }
        if let client = credentials.clientCertificate {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(client.certificatePEM).map { .certificate($0) }
            } catch {
                throw KubernetesConfigurationError(.invalidCredentials, "the client certificate is not PEM")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: client.keyPEM, format: .pem))
            } catch {
                // The key's bytes are never quoted.
                throw KubernetesConfigurationError(.invalidCredentials, "the client key is not a PEM private key")
            }
        }
        return tls
    }

    /// The AsyncHTTPClient configuration a client of this configuration needs: ``tlsConfiguration()``,
    /// and, when ``tlsServerName`` is set for an HTTPS server, a `dnsOverride` from that name to the
    /// server URL's host (``KubernetesClient`` sends its requests to the name, so that it is the SNI and
    /// the name the certificate is verified against). Everything else is AsyncHTTPClient's default.
    ///
    /// - Throws: ``KubernetesConfigurationError`` (`invalidCredentials`) when a PEM does not parse.
    public func httpClientConfiguration() throws(KubernetesConfigurationError) -> HTTPClient.Configuration {
        var http = HTTPClient.Configuration()
        http.tlsConfiguration = try tlsConfiguration()
        if let route = ServerNameRoute(server: server, serverName: tlsServerName) { http.dnsOverride = route.dnsOverride }
        return http
    }
}

extension KubernetesClient {
    /// The options a Kubernetes client's HTTP client uses: Kubernetes error bodies, and an idle timeout
    /// of 6 minutes (default), longer than ``WatchPolicy/standard``'s stall timeouts (at most 300 s), so
    /// the watch supervisor's watchdog, not AsyncHTTPClient's read timeout, decides when a quiet stream
    /// is dead; a policy with longer timeouts needs a longer `idleTimeout`.
    public static func httpOptions(idleTimeout: Duration = .seconds(360)) -> ResilientHTTPClient<C>.Options {
        // Both values are valid: the initialiser cannot throw.
        (try? ResilientHTTPClientOptions(idleTimeout: idleTimeout, isKubernetes: true)) ?? ResilientHTTPClientOptions()
    }

    /// Starts a client for `configuration` (``KubernetesConfiguration/httpClientConfiguration()``,
    /// ``httpOptions(idleTimeout:)``), runs `body`, and shuts the HTTP client down afterwards.
    public static func withClient<Return>(
        configuration: KubernetesConfiguration,
        pipeline: Pipeline<C>,
        logger: Logger? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (KubernetesClient<C>) async throws -> Return
    ) async throws -> Return {
        return try await ResilientHTTPClient<C>.withClient(
            pipeline: pipeline, configuration: try configuration.httpClientConfiguration(), options: httpOptions(), backgroundActivityLogger: logger
        ) { client in
            try await body(KubernetesClient(http: client, configuration: configuration))
        }
    }
}

extension KubernetesClient where C == ContinuousClock {
    /// The pipeline Kubernetes clients use by default: ``Triage/Pipeline/standard`` (30 s deadline,
    /// 3 attempts, retry budget, breaker, 10 s per attempt).
    public static var standardPipeline: Pipeline<ContinuousClock> { .standard }

    /// Starts a client for `configuration` on ``standardPipeline``, runs `body`, and shuts it down.
    public static func withClient<Return>(
        configuration: KubernetesConfiguration,
        logger: Logger? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (KubernetesClient<ContinuousClock>) async throws -> Return
    ) async throws -> Return {
        try await withClient(configuration: configuration, pipeline: standardPipeline, logger: logger, isolation: isolation, body)
    }
}
