import Testing
import TriageChaos
import TriageHTTP

/// The proxy's toxics in front of a healthy chaos server, classified by the AsyncHTTPClient chain.
@Suite struct ChaosProxyTests {
    /// Runs `body` with a healthy upstream and a proxy with `toxics` in front of it.
    static func withProxy<T>(_ toxics: ProxyToxics, _ body: (ChaosProxy, ChaosServer) async throws -> T) async throws -> T {
        try await ChaosServer.with { server in
            let proxy = try await ChaosProxy.start(upstream: "127.0.0.1:\(server.port)", toxics: toxics)
            do {
                let result = try await body(proxy, server)
                await proxy.shutdown()
                return result
            } catch {
                await proxy.shutdown()
                throw error
            }
        }
    }

    static func url(_ proxy: ChaosProxy) -> String { "http://127.0.0.1:\(proxy.port)/" }

    @Test func relaysUntouchedAndWithLatencyAndSlices() async throws {
        var toxics = ProxyToxics()
        toxics.latencyMilliseconds = 5
        toxics.sliceBytes = 7
        toxics.sliceDelayMilliseconds = 1
        for toxics in [ProxyToxics(), toxics] {
            try await Self.withProxy(toxics) { proxy, server in
                try await ChaosTestClient.with { http in
                    let response = try await http.send(Self.url(proxy))
                    #expect(response.status == 200)
                    #expect(response.body == "ok\n")
                    #expect(server.stats.requests == 1)
                }
            }
        }
    }

    @Test func resetIsConnectionReset() async throws {
        var toxics = ProxyToxics()
        toxics.reset = true
        try await Self.withProxy(toxics) { proxy, server in
            try await ChaosTestClient.with { http in
                let failure = try #require(await http.failure(of: Self.url(proxy)))
                #expect(failure.kind == .connectionReset, "\(failure)")
                #expect(server.stats.requests == 0)
            }
        }
    }

    @Test func blackholeIsATimeout() async throws {
        var toxics = ProxyToxics()
        toxics.blackhole = true
        try await Self.withProxy(toxics) { proxy, _ in
            try await ChaosTestClient.with(readTimeout: .milliseconds(300)) { http in
                let failure = try #require(await http.failure(of: Self.url(proxy)))
                #expect(failure.kind == .responseTimeout, "\(failure)")
            }
        }
    }

    /// The healthy response is measured through a clean proxy, then cut two bytes short.
    @Test func closeAfterBytesTruncatesTheBody() async throws {
        let fullLength = try await Self.withProxy(ProxyToxics()) { proxy, _ in
            try await ChaosTestClient.with { http in
                let response = try await http.send(Self.url(proxy))
                let head = "HTTP/1.1 200 OK\r\n" + response.headers.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
                return head.utf8.count + response.body.utf8.count
            }
        }
        var toxics = ProxyToxics()
        toxics.closeAfterBytes = fullLength - 2
        try await Self.withProxy(toxics) { proxy, _ in
            try await ChaosTestClient.with { http in
                let failure = try #require(await http.failure(of: Self.url(proxy)))
                #expect(failure.kind == .responseIncomplete, "\(failure)")
            }
        }
        // Nothing of the response: the peer closed before any head. (A cut inside the head is reported
        // as response.incomplete, since NIO's parser says only "invalid EOF state".)
        toxics.closeAfterBytes = 0
        try await Self.withProxy(toxics) { proxy, _ in
            try await ChaosTestClient.with { http in
                let failure = try #require(await http.failure(of: Self.url(proxy)))
                #expect(failure.kind == .connectionClosed, "\(failure)")
            }
        }
    }

    @Test func rateSparesSomeConnections() async throws {
        var toxics = ProxyToxics()
        toxics.reset = true
        toxics.rate = 0
        try await Self.withProxy(toxics) { proxy, _ in
            try await ChaosTestClient.with { http in
                let status = try await http.send(Self.url(proxy)).status
                #expect(status == 200)
                #expect(proxy.connections.affected == 0)
                #expect(proxy.connections.accepted == 1)
            }
        }
    }

    @Test(arguments: ["10.0.0.1:80", "example.com:80", "127.0.0.1", "127.0.0.1:99999"])
    func refusesNonLoopbackOrBadUpstreams(upstream: String) async {
        await #expect(throws: ChaosAddressError.self) { _ = try await ChaosProxy.start(upstream: upstream) }
    }

    @Test func refusesInvalidToxics() async {
        var toxics = ProxyToxics()
        toxics.reset = true
        toxics.blackhole = true
        await #expect(throws: ChaosScenarioError.self) { _ = try await ChaosProxy.start(upstream: "127.0.0.1:9", toxics: toxics) }
    }
}
