/// A dependency-free SVG of the storm bench: amplification and success rate against the failure
/// rate, one line per policy. Minimal on purpose, to be folded into the shared plot writer.
public enum StormPlot {
    static let colours: [ComparedPolicy: String] = [.none: "#888888", .naive: "#d62728", .standard: "#1f77b4"]

    /// The SVG document (two panels, 880 × 340 px). Rows without a failure rate are left out.
    public static func svg(_ rows: [StormBenchmark.Row]) -> String {
        let points = rows.filter { $0.failureRate != nil }
        let maxAmplification = max(1, (points.map(\.result.amplification).max() ?? 1).rounded(.up))
        var body = ""
        body += panel(x: 60, title: "attempts per request", top: maxAmplification, points: points) { $0.result.amplification }
        body += panel(x: 500, title: "success rate", top: 1, points: points) { $0.result.successRate }
        var legendX = 60.0
        for policy in ComparedPolicy.allCases {
            body += #"<rect x="\#(legendX)" y="318" width="14" height="4" fill="\#(colours[policy]!)"/>"#
            body += #"<text x="\#(legendX + 20)" y="324" font-size="12">\#(policy.rawValue)</text>"#
            legendX += 100
        }
        return #"<svg xmlns="http://www.w3.org/2000/svg" width="880" height="340" font-family="sans-serif">"#
            + #"<rect width="880" height="340" fill="white"/>"# + body + "</svg>\n"
    }

    /// One 320 × 240 panel whose left edge is at `x`, y from 0 to `top`.
    private static func panel(x: Double, title: String, top: Double, points: [StormBenchmark.Row],
                              value: (StormBenchmark.Row) -> Double) -> String {
        let width = 340.0, height = 240.0, y0 = 40.0
        func px(_ rate: Double) -> Double { x + rate * width }
        func py(_ v: Double) -> Double { y0 + height - min(max(v / top, 0), 1) * height }
        var out = #"<text x="\#(x)" y="24" font-size="14">\#(title) vs failure rate</text>"#
        out += #"<rect x="\#(x)" y="\#(y0)" width="\#(width)" height="\#(height)" fill="none" stroke="dimgray"/>"#
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            out += #"<text x="\#(px(tick) - 10)" y="\#(y0 + height + 16)" font-size="11">\#(Int(tick * 100))%</text>"#
            let level = tick * top
            out += #"<text x="\#(x - 40)" y="\#(py(level) + 4)" font-size="11">\#(format(level))</text>"#
            out += #"<line x1="\#(x)" x2="\#(x + width)" y1="\#(py(level))" y2="\#(py(level))" stroke="gainsboro"/>"#
        }
        for policy in ComparedPolicy.allCases {
            let line = points.filter { $0.policy == policy }.sorted { $0.failureRate! < $1.failureRate! }
            guard !line.isEmpty else { continue }
            let coordinates = line.map { "\(format(px($0.failureRate!))),\(format(py(value($0))))" }.joined(separator: " ")
            out += #"<polyline points="\#(coordinates)" fill="none" stroke="\#(colours[policy]!)" stroke-width="2"/>"#
        }
        return out
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
