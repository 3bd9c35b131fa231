import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// `triage bench jitter|metastable|hedge` as a user runs them: JSON on stdout, an SVG file, usage errors.
@Suite(.serialized) struct BenchSimulationCommandTests {
    static func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build the triage product first")
        return try await ChildProcess.run(CommandLineTests.binary.path, arguments)
    }

    static func rows(_ result: ChildProcess.Result) throws -> [[String: Any]] {
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try #require(object["rows"] as? [[String: Any]])
    }

    @Test func jitterPrintsRowsAndWritesTheSVG() async throws {
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("jitter-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: svg) }
        let result = try await Self.run(["bench", "jitter", "--json", "--trials", "2", "--clients", "10,20", "--svg", svg, "--seed", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try Self.rows(result)
        #expect(rows.count == 10)
        #expect(Set(rows.compactMap { $0["policy"] as? String }) == ["none", "exponential", "full", "equal", "decorrelated"])
        #expect(rows.allSatisfy { $0["scenario"] as? String == "jitter" && $0["calls"] is NSNumber && $0["time_ms"] is NSNumber })
        #expect(try String(contentsOfFile: svg, encoding: .utf8).hasPrefix("<?xml"))
        #expect(try await Self.run(["bench", "jitter", "--json", "--trials", "2", "--clients", "10,20", "--seed", "5"]).stdout == result.stdout)
    }

    @Test func metastableAndHedgePrintTheirRows() async throws {
        let metastable = try Self.rows(try await Self.run(["bench", "metastable", "--json", "--duration", "40"]))
        #expect(metastable.map { $0["policy"] as? String } == ["none", "naive", "backoff", "triage"])
        #expect(metastable.allSatisfy { $0["series"] is [[String: Any]] && $0.keys.contains("recovery_s") })
        let hedge = try Self.rows(try await Self.run(["bench", "hedge", "--json", "--requests", "400"]))
        #expect(hedge.first?["policy"] as? String == "none")
        #expect(hedge.allSatisfy { $0["p999_ms"] is NSNumber && $0["amplification"] is NSNumber })
    }

    @Test(arguments: [["jitter", "--trials", "0"], ["jitter", "--clients", "ten"], ["metastable", "--duration", "10"], ["hedge", "--requests", "0"]])
    func badSettingsAreUsageErrors(_ arguments: [String]) async throws {
        let result = try await Self.run(["bench"] + arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }
}
