import Testing
import TriageChaos
import TriageBench
import TriageProbe

/// The demo's workload, run tiny (and one run at a time, to keep the load down): the numbers must
/// tell the story the demo tells.
@Suite(.serialized) struct PolicyComparisonChaosTests {
    static let tiny = LoadOptions(requests: 40, concurrency: 4, maximumDuration: .seconds(20))

    @Test func outageAmplificationIsBoundedByTheBudget() async throws {
        let rows = try await PolicyComparison(phases: [.outage], options: Self.tiny).run()
        let by = Dictionary(uniqueKeysWithValues: rows.map { ($0.result.policy, $0) })
        let none = try #require(by[.none]), naive = try #require(by[.naive]), standard = try #require(by[.standard])
        for row in rows {
            #expect(row.result.offered == 40)
            #expect(row.result.successRate == 0)
            // Every attempt the client counted reached the server, and nothing else did.
            #expect(row.serverRequests == row.result.attempts)
        }
        #expect(none.result.amplification == 1)
        #expect(naive.result.amplification == 3)
        #expect(standard.result.amplification < naive.result.amplification)
        #expect(standard.result.amplification <= 1.3, "budget and breaker should hold retries down: \(standard.result)")
        #expect(standard.result.breakerOpened >= 1 || standard.result.budgetRefused >= 1)
    }

    @Test func retriesRecoverTransientErrors() async throws {
        var flaky = PolicyComparison.Phase.flaky
        flaky.scenario.latency = .none
        let rows = try await PolicyComparison(phases: [flaky], policies: [.none, .naive], options: Self.tiny).run()
        let none = try #require(rows.first { $0.result.policy == .none })
        let naive = try #require(rows.first { $0.result.policy == .naive })
        #expect(none.result.successRate < 1)
        #expect(naive.result.successRate > none.result.successRate)
        #expect(naive.result.amplification > 1)
        #expect(naive.result.latencies.count == 40)
        #expect(naive.result.p50 <= naive.result.p99)
    }

    @Test func pacedWorkloadIssuesEveryRequest() async throws {
        let result = try await ChaosServer.with { server in
            await LoadDriver(url: server.url("/"), options: LoadOptions(requests: 20, concurrency: 4, rate: 400, maximumDuration: .seconds(20)))
                .run(.naive)
        }
        #expect(result.offered == 20)
        #expect(result.attempts == 20)
        #expect(result.successRate == 1)
    }

    @Test func stormRowsCoverEveryRateAndPolicy() async throws {
        let rows = try await StormBenchmark.run(rates: [0, 1], options: LoadOptions(requests: 10, concurrency: 2, maximumDuration: .seconds(20)))
        #expect(rows.count == 6)
        let healthy = rows.filter { $0.failureRate == 0 }
        #expect(healthy.allSatisfy { $0.result.successRate == 1 && $0.result.amplification == 1 })
        let down = rows.filter { $0.failureRate == 1 }
        #expect(down.first { $0.policy == .naive }?.result.amplification == 3)
        let json = StormBenchmark.json(rows)
        for key in ["\"scenario\":\"storm\"", "\"policy\"", "\"failure_rate\"", "\"offered\"", "\"attempts\"", "\"amplification\"",
                    "\"success_rate\"", "\"p50_ms\"", "\"p99_ms\""] {
            #expect(json.contains(key), "\(key) missing")
        }
        let svg = StormPlot.svg(rows)
        #expect(svg.contains("<svg") && svg.contains("polyline"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 * ComparedPolicy.allCases.count)
    }
}
