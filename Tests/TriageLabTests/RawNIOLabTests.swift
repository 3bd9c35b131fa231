import NIOCore
import NIOSSL
import Testing
import TriageChaos
import TriageNIO

/// The failure lab through a bare SwiftNIO client.
@Suite struct RawNIOLabTests {
    static let stack = "SwiftNIO"

    static func run(_ mode: String, host: String = "127.0.0.1", port: Int, path: String = "/", tls: TLSConfiguration? = nil,
                    serverName: String? = nil, readTimeout: TimeAmount = .seconds(15)) async -> Failure? {
        let start = ContinuousClock.now
        let error = await RawNIOClient.get(host: host, port: port, path: path, tls: tls, serverName: serverName, readTimeout: readTimeout)
        return LabReport.record(mode: mode, stack: stack, error: error, chain: .nio, since: start)
    }

    /// Raw NIO follows no redirects, so the redirect modes are not failures here.
    static let modes = LabMode.allCases.filter { $0 != .redirectLoop && $0 != .redirectChain }

    @Test(arguments: modes)
    func serverFaults(mode: LabMode) async throws {
        let failure = try await FaultServer.with(mode.behaviour) { server in
            await Self.run(mode.rawValue, port: server.port, path: mode.path, readTimeout: mode.clientReadTimeout)
        }
        let found = try #require(failure, "\(mode) did not fail")
        #expect(found.kind.id == mode.expectedKind, "\(mode): \(found)")
    }

    @Test func refused() async throws {
        let failure = await Self.run("refused", port: try LoopbackSockets.closedPort())
        #expect(failure?.kind == .connectRefused)
        #expect(failure?.delivery == .notSent)
    }

    @Test func connectTimeoutOnAFullBacklog() async throws {
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let failure = await Self.run("connectTimeout", port: listener.port)
        #expect(failure?.kind == .connectTimeout)
    }

    @Test func aNameUnderInvalidDoesNotResolve() async throws {
        let failure = await Self.run("dns (.invalid)", host: "nope.invalid", port: 80)
        #expect(failure?.kind.family == "dns", "\(String(describing: failure))")
    }

    @Test(arguments: [TestCertificates.Flaw.selfSigned, .expired, .untrustedCA])
    func certificateVerificationFailures(flaw: TestCertificates.Flaw) async throws {
        let failure = try await FaultServer.with(.respond(status: 200), tls: try LabCertificates.serverTLS(flaw)) { server in
            await Self.run("tls \(flaw.rawValue)", port: server.port, tls: try LabCertificates.clientTLS(), serverName: "localhost")
        }
        #expect(failure?.kind == .tlsCertificateInvalid, "\(String(describing: failure))")
        #expect(failure?.decision == .fail)
    }

    @Test func hostnameMismatch() async throws {
        let failure = try await FaultServer.with(.respond(status: 200), tls: try LabCertificates.serverTLS(.wrongHost)) { server in
            await Self.run("tls wrongHost", port: server.port, tls: try LabCertificates.clientTLS(), serverName: "localhost")
        }
        #expect(failure?.kind == .tlsHostnameMismatch, "\(String(describing: failure))")
    }

    @Test func plainHTTPOnATLSPort() async throws {
        let failure = try await FaultServer.with(.respond(status: 200)) { server in
            await Self.run("tls plainHTTP", port: server.port, tls: try LabCertificates.clientTLS(), serverName: "localhost")
        }
        #expect(failure?.kind == .tlsHandshakeFailed, "\(String(describing: failure))")
    }

    @Test func cancellationStops() async throws {
        try await FaultServer.with(.stall) { server in
            let start = ContinuousClock.now
            let task = Task { await RawNIOClient.get(host: "127.0.0.1", port: server.port, readTimeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            let failure = LabReport.record(mode: "cancelled", stack: Self.stack, error: await task.value, chain: .nio, since: start)
            #expect(failure?.kind == .cancelled)
        }
    }
}
