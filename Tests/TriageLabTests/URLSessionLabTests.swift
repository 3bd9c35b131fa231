import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TriageChaos
import TriageFoundation

/// The failure lab through URLSession (libcurl on Linux).
@Suite struct URLSessionLabTests {
    static let stack = "URLSession"

    static func makeSession() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 2
        configuration.timeoutIntervalForResource = 3
        return URLSession(configuration: configuration)
    }

    static func run(_ mode: String, url: String) async -> Failure? {
        let session = makeSession()
        defer { session.finishTasksAndInvalidate() }
        let start = ContinuousClock.now
        var error: (any Error)?
        if let target = URL(string: url) {
            do { _ = try await session.data(from: target) } catch let thrown { error = thrown }
        } else {
            error = URLError(.badURL)
        }
        return LabReport.record(mode: mode, stack: stack, error: error, chain: .foundation, since: start)
    }

    /// libcurl cannot tell every mode apart as finely as NIO; where it reports something coarser the
    /// lab accepts that kind too (and the matrix shows it).
    static func accepted(_ mode: LabMode) -> Set<String> {
        switch mode {
        case .closed: ["connection.closed"]
        case .reset, .chunkedReset: ["connection.reset"]
        case .truncated, .chunkedFIN: ["response.incomplete"]
        case .readTimeout, .chunkedStall: ["response.timeout"]
        case .garbage: ["response.malformed", "connection.closed"]
        case .redirectLoop, .redirectChain: ["redirect.tooMany"]
        }
    }

    @Test(arguments: LabMode.allCases)
    func serverFaults(mode: LabMode) async throws {
        let failure = try await FaultServer.with(mode.behaviour) { server in
            await Self.run(mode.rawValue, url: server.url(mode.path))
        }
        let found = try #require(failure, "\(mode) did not fail")
        #expect(Self.accepted(mode).contains(found.kind.id), "\(mode): \(found)")
    }

    @Test func refused() async throws {
        let port = try LoopbackSockets.closedPort()
        let failure = await Self.run("refused", url: "http://127.0.0.1:\(port)/")
        #expect(failure?.kind == .connectRefused)
        #expect(failure?.delivery == .notSent)
    }

    @Test func connectTimeoutOnAFullBacklog() async throws {
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let failure = await Self.run("connectTimeout", url: "http://127.0.0.1:\(listener.port)/")
        #expect(failure?.kind == .connectTimeout || failure?.kind == .responseTimeout, "\(String(describing: failure))")
    }

    @Test(arguments: [("gopher://x/", "unsupportedScheme"), ("http:///path", "emptyHost"), ("http://exa mple.com/", "invalidURL")])
    func invalidURLs(url: String, mode: String) async throws {
        let failure = await Self.run(mode, url: url)
        #expect(failure?.kind == .requestInvalidURL, "\(String(describing: failure))")
    }

    @Test func aNameUnderInvalidDoesNotResolve() async throws {
        let failure = await Self.run("dns (.invalid)", url: "http://nope.invalid/")
        #expect(failure?.kind.family == "dns", "\(String(describing: failure))")
    }

    @Test(arguments: [TestCertificates.Flaw.selfSigned, .expired, .wrongHost, .untrustedCA])
    func tlsFailuresAreCertificateKinds(flaw: TestCertificates.Flaw) async throws {
        // URLSession on Linux cannot be told to trust the lab's CA, so every certificate here is also
        // untrusted; libcurl names the first problem it meets.
        let failure = try await FaultServer.with(.respond(status: 200), tls: try LabCertificates.serverTLS(flaw)) { server in
            await Self.run("tls \(flaw.rawValue)", url: server.url().replacingOccurrences(of: "127.0.0.1", with: "localhost"))
        }
        let kind = try #require(failure?.kind)
        #expect(kind.family == "tls", "\(kind)")
        #expect(failure?.decision == .fail)
    }

    @Test func plainHTTPOnATLSPort() async throws {
        let failure = try await FaultServer.with(.respond(status: 200)) { server in
            await Self.run("tls plainHTTP", url: "https://127.0.0.1:\(server.port)/")
        }
        #expect(failure?.kind == .tlsHandshakeFailed, "\(String(describing: failure))")
    }

    @Test func cancellationStops() async throws {
        try await FaultServer.with(.stall) { server in
            let session = Self.makeSession()
            let start = ContinuousClock.now
            let task = Task { () -> (any Error)? in
                do { _ = try await session.data(from: URL(string: server.url())!); return nil } catch { return error }
            }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            let failure = LabReport.record(mode: "cancelled", stack: Self.stack, error: await task.value, chain: .foundation, since: start)
            session.invalidateAndCancel()
            #expect(failure?.kind == .cancelled, "\(String(describing: failure))")
        }
    }
}
