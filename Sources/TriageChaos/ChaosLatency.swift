/// How long a ``ChaosServer`` waits before it answers (or acts out a fault).
///
/// Written as a short spec string, the same on the command line and in scenario files:
/// - `none` (the default): answer at once;
/// - `fixed:MS`: always `MS` milliseconds, e.g. `fixed:20`;
/// - `uniform:MIN-MAX`: uniformly between `MIN` and `MAX` milliseconds, e.g. `uniform:5-50`;
/// - `tail:BASE:TAIL:RATE`: `BASE` ms, but `TAIL` ms for a fraction `RATE` (0…1) of requests,
///   e.g. `tail:5:500:0.01` (a long tail: 1 % of requests take 500 ms).
public enum ChaosLatency: Sendable, Hashable, CustomStringConvertible {
    case none
    /// Always this many milliseconds.
    case fixed(milliseconds: Int)
    /// Uniformly within `min...max` milliseconds.
    case uniform(min: Int, max: Int)
    /// `base` milliseconds, or `tail` milliseconds for a fraction `rate` (0…1) of requests.
    case longTail(base: Int, tail: Int, rate: Double)

    /// Parses a spec string (see the type's documentation).
    /// - Throws: ``ChaosScenarioError`` with code `invalidLatency`.
    public init(spec: String) throws(ChaosScenarioError) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func fail(_ why: String) -> ChaosScenarioError {
            ChaosScenarioError(.invalidLatency, "latency '\(spec)': \(why) (use none, fixed:MS, uniform:MIN-MAX or tail:BASE:TAIL:RATE)")
        }
        func milliseconds(_ text: String) throws(ChaosScenarioError) -> Int {
            guard let value = Int(text), value >= 0, value <= 600_000 else { throw fail("'\(text)' is not a whole number of milliseconds in 0…600000") }
            return value
        }
        switch (parts[0], parts.count) {
        case ("none", 1):
            self = .none
        case ("fixed", 2):
            self = .fixed(milliseconds: try milliseconds(parts[1]))
        case ("uniform", 2):
            let bounds = parts[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard bounds.count == 2 else { throw fail("expected MIN-MAX") }
            let low = try milliseconds(bounds[0]), high = try milliseconds(bounds[1])
            guard low <= high else { throw fail("MIN is above MAX") }
            self = .uniform(min: low, max: high)
        case ("tail", 4):
            guard let rate = Double(parts[3]), (0...1).contains(rate) else { throw fail("RATE must be within 0…1") }
            self = .longTail(base: try milliseconds(parts[1]), tail: try milliseconds(parts[2]), rate: rate)
        default:
            throw fail("unknown form")
        }
    }

    /// The spec string that parses back to this value.
    public var description: String {
        switch self {
        case .none: "none"
        case .fixed(let ms): "fixed:\(ms)"
        case .uniform(let low, let high): "uniform:\(low)-\(high)"
        case .longTail(let base, let tail, let rate): "tail:\(base):\(tail):\(rate)"
        }
    }

    /// The delay in milliseconds for two random draws in [0, 1).
    func milliseconds(_ first: Double, _ second: Double) -> Int {
        switch self {
        case .none: 0
        case .fixed(let ms): ms
        case .uniform(let low, let high): low + Int(first * Double(high - low + 1)).clamped(to: 0...(high - low))
        case .longTail(let base, let tail, let rate): second < rate ? tail : base
        }
    }
}

extension Int {
    func clamped(to range: ClosedRange<Int>) -> Int { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
