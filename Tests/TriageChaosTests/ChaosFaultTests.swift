import Testing
import TriageChaos
import TriageHTTP

/// Each connection fault of the chaos server, classified by the AsyncHTTPClient chain as the taxonomy says.
@Suite struct ChaosFaultTests {
    @Test(arguments: [
        (ChaosFault.reset, FailureKind.connectionReset),
        (.close, .connectionClosed),
        (.truncate, .responseIncomplete),
        (.stall, .responseTimeout),
    ])
    func faultIsClassified(fault: ChaosFault, expected: FailureKind) async throws {
        var scenario = ChaosScenario()
        scenario.faultRate = 1
        scenario.faults = [fault]
        try await ChaosServer.with(scenario) { server in
            // Short only where the timeout is the failure: a loaded run must not turn a slow fault into one.
            try await ChaosTestClient.with(readTimeout: fault == .stall ? .milliseconds(300) : .seconds(15)) { http in
                let failure = try #require(await http.failure(of: server.url("/")))
                #expect(failure.kind == expected, "\(fault): \(failure)")
                #expect(server.stats.faults[fault] == 1)
            }
        }
    }
}
