import Testing
@testable import TriageSimulation
import TriageTestKit

@Suite struct EventQueueSimulationTests {
    @Test func eventsComeOutByTimeThenByScheduleOrder() {
        var queue = EventQueue<Int>()
        var random = SeededRandom(seed: 9)
        var expected: [(Double, Int)] = []
        for index in 0..<500 {
            let time = Double(Int.random(in: 0..<50, using: &random))
            queue.schedule(index, at: time)
            expected.append((time, index))
        }
        expected.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var seen: [Int] = []
        while let (_, event) = queue.next() { seen.append(event) }
        #expect(seen == expected.map(\.1))
    }

    @Test func normalDrawsHaveTheAskedMeanAndDeviation() {
        var random = SeededRandom(seed: 1)
        let draws = (0..<20_000).map { _ in random.normal(mean: 10, deviation: 2) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
        #expect(abs(mean - 10) < 0.05)
        #expect(abs(variance.squareRoot() - 2) < 0.05)
    }
}
