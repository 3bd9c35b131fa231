import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TriageBench
import TriageProbe
import TriageSimulation

/// Counts the elements of an SVG document, failing on anything that is not well-formed XML.
final class SVGCensus: NSObject, XMLParserDelegate {
    var series: [String] = []
    var elements = 0
    var texts: [String] = []
    private var text = ""

    static func parse(_ svg: String) throws -> SVGCensus {
        let census = SVGCensus()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = census
        let parsed = parser.parse()
        try #require(parsed, "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")")
        return census
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements += 1
        text = ""
        if attributes["class"] == "series" { series.append(attributes["data-name"] ?? "") }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text) }
        text = ""
    }
}

@Suite struct SVGPlotTests {
    static let plot = SVGPlot(
        title: "Latency <p99> & \"friends\"", xLabel: "clients", yLabel: "calls",
        series: [
            .init(name: "a & b", points: [.init(x: 1, y: 10), .init(x: 2, y: 100), .init(x: 3, y: .nan)]),
            .init(name: "<none>", points: [.init(x: 1, y: 5), .init(x: 2, y: .infinity), .init(x: 3, y: 0)]),
            .init(name: "empty", points: []),
        ])

    @Test(arguments: [false, true])
    func isWellFormedWithOneGroupPerSeries(logY: Bool) throws {
        var plot = Self.plot
        plot.logY = logY
        plot.bands = [.init(from: 1.5, to: 2.5, label: "drop")]
        let svg = plot.render()
        let census = try SVGCensus.parse(svg)
        #expect(census.series == ["a & b", "<none>", "empty"])
        #expect(census.texts.contains("Latency <p99> & \"friends\""))
        #expect(!svg.lowercased().contains("nan"))
        #expect(!svg.lowercased().contains("inf"))
    }

    @Test func logAxisTicksArePowersOfTen() throws {
        var plot = Self.plot
        plot.logY = true
        let census = try SVGCensus.parse(plot.render())
        #expect(census.texts.contains("1"))
        #expect(census.texts.contains("10"))
        #expect(census.texts.contains("100"))
    }

    @Test func sameInputSameBytes() {
        #expect(Self.plot.render() == Self.plot.render())
    }

    @Test func stackedPlotsAndNoDataStayWellFormed() throws {
        let empty = SVGPlot(title: "nothing", xLabel: "x", yLabel: "y", series: [])
        let census = try SVGCensus.parse(SVGPlot.render([Self.plot, empty]))
        #expect(census.series.count == 3)
    }

    @Test func simulationFiguresAreWellFormed() throws {
        var jitter = JitterSimulation.Configuration()
        jitter.clients = [10, 20]
        jitter.trials = 2
        let jitterCensus = try SVGCensus.parse(SimulationPlots.jitter(try JitterSimulation(jitter).run()))
        #expect(jitterCensus.series.count == 2 * JitterSimulation.Policy.allCases.count)

        var hedge = HedgeSimulation.Configuration()
        hedge.requests = 500
        let hedgeCensus = try SVGCensus.parse(SimulationPlots.hedge(try HedgeSimulation(hedge).run()))
        #expect(hedgeCensus.series.count == HedgeSimulation.Policy.defaults.count)

        var metastable = MetastableSimulation.Configuration()
        metastable.duration = .seconds(40)
        let simulation = try MetastableSimulation(metastable)
        let svg = SimulationPlots.metastable(simulation.run(), configuration: metastable)
        #expect(try SVGCensus.parse(svg).series.count == 2 * MetastableSimulation.Policy.allCases.count)
    }
}
