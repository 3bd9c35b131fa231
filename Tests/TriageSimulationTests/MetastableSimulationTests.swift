import Testing
import Triage
@testable import TriageSimulation

@Suite struct MetastableSimulationTests {
    static func rows(seed: UInt64 = 3) throws -> [MetastableSimulation.Policy: MetastableSimulation.Row] {
        var configuration = MetastableSimulation.Configuration()
        configuration.duration = .seconds(70)
        configuration.seed = seed
        let rows = try MetastableSimulation(configuration).run()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.policy, $0) })
    }

    @Test func naiveRetriesStayCollapsedAndTriageRecovers() throws {
        let rows = try Self.rows()
        let naive = try #require(rows[.naive]), triage = try #require(rows[.triage]), none = try #require(rows[.none])
        #expect(naive.recoverySeconds == nil)
        let recovered = try #require(triage.recoverySeconds)
        #expect(recovered <= 15)
        #expect(none.recoverySeconds != nil)
        // After the drop naive clients send about 4 attempts per request, and almost none succeed.
        let late = naive.series.suffix(20)
        #expect(late.reduce(0) { $0 + $1.goodput } < late.reduce(0) { $0 + $1.arrivals } / 10)
        #expect(naive.amplification > 2.5)
        #expect(triage.amplification < 1.3)
        #expect(triage.successRate > naive.successRate)
    }

    @Test func beforeTheDropEveryPolicyIsHealthy() throws {
        for row in try Self.rows().values {
            let before = row.series.prefix(20)
            let goodput = before.reduce(0) { $0 + $1.goodput }, arrivals = before.reduce(0) { $0 + $1.arrivals }
            #expect(Double(goodput) >= 0.97 * Double(arrivals), "\(row.policy)")
        }
    }

    @Test func sameSeedSameNumbers() throws {
        var configuration = MetastableSimulation.Configuration()
        configuration.duration = .seconds(45)
        let rows = try MetastableSimulation(configuration).run()
        #expect(rows == (try MetastableSimulation(configuration).run()))
        let json = MetastableSimulation.json(rows)
        #expect(json.contains("\"scenario\": \"metastable\", \"policy\": \"naive\""))
        #expect(json.contains("\"recovery_s\": null"))
        #expect(!json.contains("nan"))
    }

    @Test func badConfigurationIsRefused() {
        var configuration = MetastableSimulation.Configuration()
        configuration.capacity = 0
        #expect(throws: ConfigurationError.self) { try MetastableSimulation(configuration) }
        configuration = MetastableSimulation.Configuration()
        configuration.duration = .seconds(25)
        #expect(throws: ConfigurationError.self) { try MetastableSimulation(configuration) }
    }
}
