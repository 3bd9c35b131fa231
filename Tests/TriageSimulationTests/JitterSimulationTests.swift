import Testing
import Triage
@testable import TriageSimulation

@Suite struct JitterSimulationTests {
    static func rows(clients: [Int] = [50], trials: Int = 8, seed: UInt64 = 7) throws -> [JitterSimulation.Row] {
        var configuration = JitterSimulation.Configuration()
        configuration.clients = clients
        configuration.trials = trials
        configuration.seed = seed
        return try JitterSimulation(configuration).run()
    }

    static func calls(_ rows: [JitterSimulation.Row], _ policy: JitterSimulation.Policy) -> Double {
        rows.first { $0.policy == policy }!.calls
    }

    @Test func jitterDoesLessWorkThanNoJitter() throws {
        let rows = try Self.rows()
        let none = Self.calls(rows, .none), exponential = Self.calls(rows, .exponential)
        let full = Self.calls(rows, .full), decorrelated = Self.calls(rows, .decorrelated), equal = Self.calls(rows, .equal)
        #expect(none > full * 1.4)
        #expect(exponential > full * 1.4)
        #expect(decorrelated < exponential)
        #expect(equal < exponential)
        // Every client writes once, so there are at least as many attempts as clients.
        #expect(rows.allSatisfy { $0.calls >= 50 })
    }

    @Test func noBackoffCostsAboutHalfOfNSquared() throws {
        // One client wins each round, so N clients need about N(N+1)/2 attempts without waiting.
        let none = Self.calls(try Self.rows(clients: [20], trials: 5), .none)
        #expect(none > 100 && none <= 210)
    }

    @Test func exponentialWithoutJitterTakesLongest() throws {
        let rows = try Self.rows(clients: [20], trials: 5)
        let exponential = rows.first { $0.policy == .exponential }!.timeMilliseconds
        for row in rows where row.policy != .exponential { #expect(row.timeMilliseconds < exponential) }
    }

    @Test func sameSeedSameNumbers() throws {
        let first = try Self.rows(clients: [10, 20], trials: 3, seed: 42)
        #expect(first == (try Self.rows(clients: [10, 20], trials: 3, seed: 42)))
        #expect(first != (try Self.rows(clients: [10, 20], trials: 3, seed: 43)))
        #expect(JitterSimulation.json(first) == JitterSimulation.json(try Self.rows(clients: [10, 20], trials: 3, seed: 42)))
    }

    @Test func jsonHasTheRowsAsked() throws {
        let text = JitterSimulation.json(try Self.rows(clients: [10], trials: 1))
        #expect(text.hasPrefix("{\"rows\": [{\"scenario\": \"jitter\", \"clients\": 10, \"policy\": \"none\", \"calls\": "))
        #expect(text.components(separatedBy: "\"scenario\": \"jitter\"").count == 6)
    }

    @Test(arguments: [[0], []])
    func badClientCountsAreRefused(_ clients: [Int]) {
        var configuration = JitterSimulation.Configuration()
        configuration.clients = clients
        #expect(throws: ConfigurationError.self) { try JitterSimulation(configuration) }
    }

    @Test func badTrialsAndCapAreRefused() {
        var configuration = JitterSimulation.Configuration()
        configuration.trials = 0
        #expect(throws: ConfigurationError.self) { try JitterSimulation(configuration) }
        configuration.trials = 1
        configuration.cap = .milliseconds(1)
        #expect(throws: ConfigurationError.self) { try JitterSimulation(configuration) }
    }
}
