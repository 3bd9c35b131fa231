import Foundation
import Triage

/// A line plot written as SVG text, with no tools outside this package: axes with ticks and labels,
/// a title, a legend, any number of series, an optional log-scale y axis and shaded x ranges.
///
/// Output is deterministic (fixed number formats, series in the order given), text is XML-escaped,
/// and points whose coordinates are not finite (or not positive on a log axis) are left out, so the
/// document never holds `NaN`. Size in SVG user units (default 720 × 400 per plot).
public struct SVGPlot: Sendable {
    /// One point of a series.
    public struct Point: Sendable, Hashable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    /// One named line.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var points: [Point]
        public init(name: String, points: [Point]) { self.name = name; self.points = points }
    }

    /// A shaded range of x, labelled (e.g. the time a fault was injected).
    public struct Band: Sendable, Hashable {
        public var from: Double
        public var to: Double
        public var label: String
        public init(from: Double, to: Double, label: String) { self.from = from; self.to = to; self.label = label }
    }

    /// The heading above the plot.
    public var title: String
    /// The x axis's label.
    public var xLabel: String
    /// The y axis's label ("(log scale)" is appended on a log axis).
    public var yLabel: String
    /// The lines, drawn and listed in the legend in this order.
    public var series: [Series]
    /// A base-10 logarithmic y axis (default `false`).
    public var logY: Bool
    /// Shaded x ranges, drawn under the lines (default none).
    public var bands: [Band]
    /// Custom x tick labels at given x values (default `nil`: evenly spaced numbers).
    public var xTicks: [(value: Double, label: String)]?
    /// The plot's width in SVG user units (default 720).
    public var width: Double = 720
    /// The plot's height in SVG user units (default 400).
    public var height: Double = 400

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false, bands: [Band] = [],
                xTicks: [(value: Double, label: String)]? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.bands = bands
        self.xTicks = xTicks
    }

    /// Line colours, in series order (then repeated).
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// A complete SVG document holding this plot.
    public func render() -> String { Self.render([self]) }

    /// One SVG document holding `plots` stacked top to bottom.
    public static func render(_ plots: [SVGPlot]) -> String {
        let width = plots.map(\.width).max() ?? 0
        let height = plots.reduce(0) { $0 + $1.height }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
        out += "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        var top = 0.0
        for plot in plots {
            out += "<g transform=\"translate(0,\(f(top)))\">\n" + plot.body() + "</g>\n"
            top += plot.height
        }
        return out + "</svg>\n"
    }

    // MARK: - Drawing

    /// Dash patterns, in series order, so lines that overlap stay distinguishable.
    static let dashes = ["", "7 4", "2 3", "10 3 2 3"]

    /// The plotting area; the legend takes the right margin, about 7 units per character of the longest name.
    private var frame: (left: Double, top: Double, right: Double, bottom: Double) {
        let longest = series.map(\.name.count).max() ?? 0
        return (70, 40, width - max(120, 60 + 7 * Double(min(longest, 40))), height - 55)
    }

    private func body() -> String {
        let (left, top, right, bottom) = frame
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
        let xAxis = Axis.linear(points.map(\.x) + bands.flatMap { [$0.from, $0.to] }, includeZero: false)
        let yAxis = logY ? Axis.logarithmic(points.map(\.y)) : Axis.linear(points.map(\.y), includeZero: true)
        let px = { (x: Double) in left + (right - left) * xAxis.fraction(x) }
        let py = { (y: Double) in bottom - (bottom - top) * yAxis.fraction(y) }

        var out = "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
        for band in bands {
            let x0 = px(max(xAxis.low, min(band.from, band.to))), x1 = px(min(xAxis.high, max(band.from, band.to)))
            out += "<rect class=\"band\" x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(max(0, x1 - x0)))\" height=\"\(f(bottom - top))\" fill=\"#f2c14e\" fill-opacity=\"0.25\"/>\n"
            out += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(top + 14))\" text-anchor=\"middle\" fill=\"#7a5a00\">\(escape(band.label))</text>\n"
        }
        // Grid and ticks.
        for tick in yAxis.ticks {
            let y = py(tick.value)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#e0e0e0\"/>\n"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(tick.label))</text>\n"
        }
        let xTicks = self.xTicks?.filter { $0.value.isFinite && $0.value >= xAxis.low && $0.value <= xAxis.high }
            .map { Axis.Tick(value: $0.value, label: $0.label) } ?? xAxis.ticks
        for tick in xTicks {
            let x = px(tick.value)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 5))\" stroke=\"black\"/>\n"
            out += "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\">\(escape(tick.label))</text>\n"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        let yLabelText = logY ? yLabel + " (log scale)" : yLabel
        out += "<text x=\"16\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f((top + bottom) / 2)))\">\(escape(yLabelText))</text>\n"

        // Series and legend.
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let dash = Self.dashes[index % Self.dashes.count]
            let dashAttribute = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
            let visible = line.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
            out += "<g class=\"series\" data-name=\"\(escape(line.name))\">\n"
            if !visible.isEmpty {
                let path = visible.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dashAttribute) points=\"\(path)\"/>\n"
                if visible.count <= 40 {
                    for point in visible {
                        out += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"\(colour)\"/>\n"
                    }
                }
            }
            out += "</g>\n"
            let legendY = top + 8 + Double(index) * 20
            out += "<line x1=\"\(f(right + 15))\" y1=\"\(f(legendY))\" x2=\"\(f(right + 40))\" y2=\"\(f(legendY))\" stroke=\"\(colour)\" stroke-width=\"3\"\(dashAttribute)/>\n"
            out += "<text x=\"\(f(right + 46))\" y=\"\(f(legendY + 4))\">\(escape(line.name))</text>\n"
        }
        return out
    }

    /// A coordinate with two decimals ("%.2f"); anything not finite prints as 0.
    static func f(_ value: Double) -> String {
        String(format: "%.2f", value.isFinite ? value : 0)
    }

    private func f(_ value: Double) -> String { Self.f(value) }

    /// `text` with the five XML special characters escaped and control characters other than tab and
    /// newline dropped (XML 1.0 has no way to write them).
    private func escape(_ text: String) -> String {
        var kept = text.unicodeScalars
        kept.removeAll { $0.value < 0x20 && $0 != "\t" && $0 != "\n" }
        return XMLText.escaped(String(kept))
    }
}
