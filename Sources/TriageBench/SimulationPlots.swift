import Foundation
import TriageSimulation

/// The SVG figures of `triage bench jitter|metastable|hedge --svg FILE`, drawn with ``SVGPlot``.
public enum SimulationPlots {
    /// Calls and completion time against the number of clients, one line per backoff policy.
    public static func jitter(_ rows: [JitterSimulation.Row]) -> String {
        let policies = rows.map(\.policy).uniqued()
        func series(_ value: (JitterSimulation.Row) -> Double) -> [SVGPlot.Series] {
            policies.map { policy in
                SVGPlot.Series(name: policy.rawValue, points: rows.filter { $0.policy == policy }.map {
                    SVGPlot.Point(x: Double($0.clients), y: value($0))
                })
            }
        }
        return SVGPlot.render([
            SVGPlot(title: "Work: calls until every client has written (mean)", xLabel: "clients",
                    yLabel: "calls", series: series(\.calls)),
            SVGPlot(title: "Time until every client has written (mean)", xLabel: "clients",
                    yLabel: "time (ms)", series: series(\.timeMilliseconds), logY: true),
        ])
    }

    /// Goodput and attempts per second over the run, one line per client policy; the drop shaded.
    public static func metastable(_ rows: [MetastableSimulation.Row], configuration: MetastableSimulation.Configuration) -> String {
        let start = configuration.dropStart.triageSeconds
        let band = SVGPlot.Band(from: start, to: start + configuration.dropLength.triageSeconds, label: "capacity drop")
        func series(_ value: (MetastableSimulation.Point) -> Int) -> [SVGPlot.Series] {
            rows.map { row in
                SVGPlot.Series(name: row.policy.rawValue, points: row.series.map { SVGPlot.Point(x: Double($0.second), y: Double(value($0))) })
            }
        }
        return SVGPlot.render([
            SVGPlot(title: "Goodput: requests succeeding per second (offered \(Int(configuration.offered))/s, capacity \(Int(configuration.capacity))/s)",
                    xLabel: "time (s)", yLabel: "successes per second", series: series(\.goodput), bands: [band]),
            SVGPlot(title: "Load: attempts reaching the server per second", xLabel: "time (s)",
                    yLabel: "attempts per second", series: series(\.attempts), bands: [band]),
        ])
    }

    /// Latency at each quantile (x in "nines": 1 = p90, 2 = p99, 3 = p99.9), one line per hedging policy.
    public static func hedge(_ rows: [HedgeSimulation.Row]) -> String {
        let nines = HedgeSimulation.curveQuantiles.map { -log10(1 - $0) }
        let series = rows.map { row in
            SVGPlot.Series(name: "\(row.policy) (+\(String(format: "%.1f", (row.amplification - 1) * 100)) % load)",
                           points: zip(nines, row.curve).map { SVGPlot.Point(x: $0, y: $1) })
        }
        let ticks: [(value: Double, label: String)] = [(-log10(0.5), "p50"), (1, "p90"), (2, "p99"), (3, "p99.9")]
        return SVGPlot(title: "Latency by percentile, 2 % slow tail", xLabel: "percentile", yLabel: "latency (ms)",
                       series: series, logY: true, xTicks: ticks).render()
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
