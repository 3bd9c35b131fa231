import Testing
import Triage
@testable import TriageSimulation

@Suite struct HedgeSimulationTests {
    static func rows() throws -> [String: HedgeSimulation.Row] {
        var configuration = HedgeSimulation.Configuration()
        configuration.requests = 2_000
        let rows = try HedgeSimulation(configuration).run()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.policy, $0) })
    }

    @Test func hedgingCutsTheTailForAFewPercentMoreLoad() throws {
        let rows = try Self.rows()
        let none = try #require(rows["none"]), fixed = try #require(rows["fixed-50ms"]), p95 = try #require(rows["p95"])
        #expect(none.p99Milliseconds > 500)  // 2 % of requests take about a second
        #expect(none.amplification == 1)
        for hedged in [fixed, p95] {
            #expect(hedged.p99Milliseconds < 100, "\(hedged.policy)")
            #expect(hedged.amplification <= 1.08, "\(hedged.policy)")
            #expect(abs(hedged.p50Milliseconds - none.p50Milliseconds) < 1, "\(hedged.policy)")
        }
        #expect(fixed.amplification < 1.04)
    }

    @Test func sameSeedSameNumbers() throws {
        let rows = try Self.rows()
        #expect(rows == (try Self.rows()))
        let json = HedgeSimulation.json(Array(rows.values))
        #expect(json.contains("\"scenario\": \"hedge\""))
        #expect(json.contains("\"p999_ms\": "))
    }

    @Test func badConfigurationIsRefused() {
        var configuration = HedgeSimulation.Configuration()
        configuration.slowRate = 1.5
        #expect(throws: ConfigurationError.self) { try HedgeSimulation(configuration) }
        configuration = HedgeSimulation.Configuration()
        configuration.policies = [.init(name: "bad", delay: .percentile(2, fallback: .zero))]
        #expect(throws: ConfigurationError.self) { try HedgeSimulation(configuration) }
    }
}
