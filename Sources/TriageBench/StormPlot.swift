/// The SVG figure of `triage bench storm --svg FILE`, drawn with ``SVGPlot``: amplification and
/// success rate against the failure rate, one line per policy.
public enum StormPlot {
    /// The SVG document (two plots stacked). Rows without a failure rate (an external target) are left out.
    public static func svg(_ rows: [StormBenchmark.Row]) -> String {
        let points = rows.filter { $0.failureRate != nil }
        func series(_ value: (StormBenchmark.Row) -> Double) -> [SVGPlot.Series] {
            ComparedPolicy.allCases.map { policy in
                SVGPlot.Series(name: policy.rawValue, points: points.filter { $0.policy == policy }
                    .sorted { $0.failureRate! < $1.failureRate! }
                    .map { SVGPlot.Point(x: $0.failureRate! * 100, y: value($0)) })
            }
        }
        return SVGPlot.render([
            SVGPlot(title: "Load: attempts reaching the server per request", xLabel: "failure rate (%)",
                    yLabel: "amplification", series: series(\.result.amplification)),
            SVGPlot(title: "Success rate", xLabel: "failure rate (%)", yLabel: "success (%)",
                    series: series { $0.result.successRate * 100 }),
        ])
    }
}
