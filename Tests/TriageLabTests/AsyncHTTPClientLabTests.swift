import AsyncHTTPClient
import NIOCore
import NIOSSL
import Testing
import TriageChaos
import TriageHTTP

/// The failure lab through AsyncHTTPClient: each failure produced for real on loopback.
@Suite struct AsyncHTTPClientLabTests {
    static let stack = "AsyncHTTPClient"

    /// Timeouts are wide enough that a loaded 2-core machine running the suites in parallel does not
    /// fire them by accident; a test racing its own limit (deadline, cancellation) passes `read: nil`.
    static func makeClient(tls: TLSConfiguration? = nil, connect: TimeAmount = .seconds(1), read: TimeAmount? = .seconds(2)) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connect, read: read)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        configuration.tlsConfiguration = tls
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends a GET and reads the whole body; returns the error, or `nil` on success.
    static func fetch(_ url: String, client: HTTPClient, deadline: TimeAmount = .seconds(5)) async -> (any Error)? {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: deadline)
            _ = try await response.body.collect(upTo: 1 << 20)
            return nil
        } catch {
            return error
        }
    }

    static func run(_ mode: String, url: String, client: HTTPClient, deadline: TimeAmount = .seconds(20)) async -> Failure? {
        let start = ContinuousClock.now
        let error = await fetch(url, client: client, deadline: deadline)
        return LabReport.record(mode: mode, stack: stack, error: error, chain: .asyncHTTPClient, since: start)
    }

    @Test(arguments: LabMode.allCases)
    func serverFaults(mode: LabMode) async throws {
        let client = Self.makeClient(read: mode.clientReadTimeout)
        let failure = try await FaultServer.with(mode.behaviour) { server in
            await Self.run(mode.rawValue, url: server.url(mode.path), client: client)
        }
        try await client.shutdown()
        let found = try #require(failure, "\(mode) did not fail")
        #expect(found.kind.id == mode.expectedKind, "\(mode): \(found)")
    }

    @Test func refusedIsNotSentAndFast() async throws {
        let client = Self.makeClient()
        let port = try LoopbackSockets.closedPort()
        let failure = await Self.run("refused", url: "http://127.0.0.1:\(port)/", client: client)
        try await client.shutdown()
        // With AsyncHTTPClient's connection retry on, a refusal is retried until the connect timeout and
        // surfaces as connect.timeout; with it off (as here), the refusal itself arrives at once.
        #expect(failure?.kind == .connectRefused)
        #expect(failure?.delivery == .notSent)
    }

    @Test func refusedThroughLocalhostLooksInsideTheConnectionError() async throws {
        let client = Self.makeClient()
        let port = try LoopbackSockets.closedPort()
        let failure = await Self.run("refused (localhost)", url: "http://localhost:\(port)/", client: client)
        try await client.shutdown()
        #expect(failure?.kind == .connectRefused)
    }

    @Test func connectTimeoutOnAFullBacklog() async throws {
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let client = Self.makeClient()
        let failure = await Self.run("connectTimeout", url: "http://127.0.0.1:\(listener.port)/", client: client)
        try await client.shutdown()
        #expect(failure?.kind == .connectTimeout)
        #expect(failure?.delivery == .notSent)
    }

    @Test(arguments: [
        ("http://exa mple.com/", "invalidURL"), ("gopher://x/", "unsupportedScheme"), ("http:///path", "emptyHost"),
    ])
    func invalidURLs(url: String, mode: String) async throws {
        let client = Self.makeClient()
        let failure = await Self.run(mode, url: url, client: client)
        try await client.shutdown()
        #expect(failure?.kind == .requestInvalidURL)
        #expect(failure?.decision == .fail)
    }

    @Test func aNameUnderInvalidDoesNotResolve() async throws {
        let client = Self.makeClient()
        let failure = await Self.run("dns (.invalid)", url: "http://nope.invalid/", client: client)
        try await client.shutdown()
        let kind = try #require(failure?.kind)
        // Offline machines answer NXDOMAIN or a resolver failure; a slow resolver hits the connect timeout.
        #expect([FailureKind.dnsNotFound, .dnsFailure, .connectTimeout].contains(kind), "\(kind)")
        #expect(failure?.delivery == .notSent)
    }

    @Test func cancellationStops() async throws {
        let client = Self.makeClient(read: nil)
        try await FaultServer.with(.stall) { server in
            let start = ContinuousClock.now
            let task = Task { await Self.fetch(server.url(), client: client) }
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            let failure = LabReport.record(mode: "cancelled", stack: Self.stack, error: await task.value, chain: .asyncHTTPClient, since: start)
            #expect(failure?.kind == .cancelled)
            #expect(failure?.decision == .stop)
        }
        try await client.shutdown()
    }

    @Test func overallDeadline() async throws {
        let client = Self.makeClient(read: nil)
        let failure = try await FaultServer.with(.stall) { server in
            await Self.run("deadline", url: server.url(), client: client, deadline: .milliseconds(150))
        }
        try await client.shutdown()
        #expect(failure?.kind == .deadlineExceeded)
        #expect(failure?.decision == .stop)
    }

    @Test(arguments: [
        (TestCertificates.Flaw.selfSigned, "tls.certificateUntrusted"),
        (.expired, "tls.certificateExpired"),
        (.notYetValid, "tls.certificateExpired"),
        (.wrongHost, "tls.hostnameMismatch"),
        (.untrustedCA, "tls.certificateUntrusted"),
    ])
    func tlsCertificatesAreDiagnosedExactly(flaw: TestCertificates.Flaw, kind: String) async throws {
        // The connect timeout covers the TLS handshake: 1 s was passed under a full run's load, and the
        // failure was connect.timeout instead of the certificate's.
        let client = Self.makeClient(tls: try LabCertificates.clientTLS(), connect: .seconds(10))
        let roots = [LabCertificates.shared.ca.certificate]
        try await FaultServer.with(.respond(status: 200), tls: try LabCertificates.serverTLS(flaw)) { server in
            let url = server.url().replacingOccurrences(of: "127.0.0.1", with: "localhost")
            let start = ContinuousClock.now
            let error = await Self.fetch(url, client: client)
            let plain = ClassifierChain.asyncHTTPClient.classify(try #require(error))
            #expect(plain.kind.family == "tls")
            #expect(plain.decision == .fail)
            #expect(plain.delivery == .notSent)
            let diagnosed = await TLSDiagnosis.diagnose(host: "localhost", port: server.port, additionalTrustRoots: roots)
            LabReport.record(mode: "tls \(flaw.rawValue)", stack: Self.stack, error: error, chain: .asyncHTTPClient, since: start, diagnosed: diagnosed)
            #expect(diagnosed?.kind.id == kind)
        }
        try await client.shutdown()
    }

    @Test func aValidCertificateSucceeds() async throws {
        let client = Self.makeClient(tls: try LabCertificates.clientTLS())
        try await FaultServer.with(.respond(status: 200, body: "ok"), tls: try LabCertificates.serverTLS(.none)) { server in
            #expect(await Self.fetch(server.url(), client: client) == nil)
            let diagnosis = await TLSDiagnosis.diagnose(host: "127.0.0.1", port: server.port, additionalTrustRoots: [LabCertificates.shared.ca.certificate])
            #expect(diagnosis == nil)
        }
        try await client.shutdown()
    }

    @Test func plainHTTPOnATLSPort() async throws {
        let client = Self.makeClient(tls: try LabCertificates.clientTLS())
        let failure = try await FaultServer.with(.respond(status: 200)) { server in
            await Self.run("tls plainHTTP", url: "https://127.0.0.1:\(server.port)/", client: client)
        }
        try await client.shutdown()
        #expect(failure?.kind == .tlsHandshakeFailed)
    }
}
