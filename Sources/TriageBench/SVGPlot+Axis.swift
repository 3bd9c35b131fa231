import Foundation

extension SVGPlot {
    /// An axis range with its ticks: linear with "nice" steps (1, 2, 5 × 10^k), or base-10 logarithmic.
    struct Axis {
        struct Tick {
            var value: Double
            var label: String
        }

        var low: Double
        var high: Double
        var logarithmic: Bool
        var ticks: [Tick]

        /// Where `value` falls between `low` (0) and `high` (1).
        func fraction(_ value: Double) -> Double {
            if logarithmic {
                return (log10(value) - log10(low)) / (log10(high) - log10(low))
            }
            return (value - low) / (high - low)
        }

        /// About eight ticks over the finite values (0…1 when there are none).
        static func linear(_ values: [Double], includeZero: Bool) -> Axis {
            let finite = values.filter(\.isFinite)
            var low = finite.min() ?? 0, high = finite.max() ?? 1
            if includeZero { low = min(low, 0); high = max(high, 0) }
            if high - low <= 0 { high = low + 1 }
            let step = niceStep((high - low) / 8)
            let first = (low / step).rounded(.down) * step
            let last = (high / step).rounded(.up) * step
            var ticks: [Tick] = []
            var index = 0.0
            while first + index * step <= last + step / 2, ticks.count < 50 {
                let value = first + index * step
                ticks.append(Tick(value: value, label: label(value, step: step)))
                index += 1
            }
            return Axis(low: first, high: max(last, first + step), logarithmic: false, ticks: ticks)
        }

        /// Powers of ten around the positive finite values (1…10 when there are none).
        static func logarithmic(_ values: [Double]) -> Axis {
            let positive = values.filter { $0.isFinite && $0 > 0 }
            var lowExponent = (log10(positive.min() ?? 1)).rounded(.down)
            var highExponent = (log10(positive.max() ?? 10)).rounded(.up)
            if highExponent <= lowExponent { highExponent = lowExponent + 1 }
            lowExponent = max(lowExponent, highExponent - 30)
            let ticks = stride(from: lowExponent, through: highExponent, by: 1).map { exponent in
                let value = pow(10, exponent)
                return Tick(value: value, label: label(value, step: min(1, value)))
            }
            return Axis(low: pow(10, lowExponent), high: pow(10, highExponent), logarithmic: true, ticks: ticks)
        }

        /// 1, 2 or 5 × 10^k, the smallest at least `raw`.
        static func niceStep(_ raw: Double) -> Double {
            guard raw.isFinite, raw > 0 else { return 1 }
            let magnitude = pow(10, log10(raw).rounded(.down))
            for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw * 0.999_999 {
                return factor * magnitude
            }
            return 10 * magnitude
        }

        /// A tick label with as many decimals as the step needs; thousands and up as plain integers.
        static func label(_ value: Double, step: Double) -> String {
            let decimals = step >= 1 ? 0 : min(6, Int((-log10(step)).rounded(.up)))
            let text = String(format: "%.\(decimals)f", value)
            return text == "-0" ? "0" : text
        }
    }
}
