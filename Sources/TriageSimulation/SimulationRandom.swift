import Foundation
import TriageTestKit

/// Random draws the simulations need, on Triage's seeded SplitMix64 source.
extension SeededRandom {
    /// A source for one run, derived from the user's seed and the run's coordinates, so each
    /// (seed, scenario, clients, trial) gets its own reproducible stream.
    static func derived(_ seed: UInt64, _ parts: UInt64...) -> SeededRandom {
        var mixer = SeededRandom(seed: seed)
        var state = mixer.next()
        for part in parts {
            var step = SeededRandom(seed: state ^ (part &* 0x9E37_79B9_7F4A_7C15))
            state = step.next()
        }
        return SeededRandom(seed: state)
    }

    /// A uniform draw in [0, 1).
    mutating func uniform() -> Double { Double.random(in: 0..<1, using: &self) }

    /// A draw from Normal(`mean`, `deviation`) (Box–Muller).
    mutating func normal(mean: Double, deviation: Double) -> Double {
        let u1 = 1 - uniform()  // (0, 1]: the logarithm stays finite
        let u2 = uniform()
        return mean + deviation * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A draw from the exponential distribution with the given mean (Poisson inter-arrival times).
    mutating func exponential(mean: Double) -> Double {
        -mean * log(1 - uniform())
    }
}

extension Duration {
    /// The duration in milliseconds, as the simulations count time.
    var simulationMilliseconds: Double { triageSeconds * 1000 }
}

/// The `q`-quantile (0…1) of sorted values, nearest rank; 0 when there are none.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(sorted.count - 1, max(0, rank))]
}
