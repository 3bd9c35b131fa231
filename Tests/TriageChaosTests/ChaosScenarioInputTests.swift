import Foundation
import Testing
@testable import TriageChaos

/// Scenario text as it comes from other editors and from hostile clients.
@Suite struct ChaosScenarioInputTests {
    @Test func yamlWithCRLFLineEndingsReadsLikeLF() throws {
        let lf = "error_rate: 0.25\nerror_status: 502\nfaults:\n  - reset\n  - stall\nlatency: fixed:5 # comment\n"
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        let scenario = try ChaosScenario(yaml: crlf)
        #expect(scenario == (try ChaosScenario(yaml: lf)))
        #expect(scenario.errorRate == 0.25 && scenario.faults == [.reset, .stall] && scenario.latency == .fixed(milliseconds: 5))
    }

    @Test func scenarioFilesWithCRLFAreReadFine() throws {
        let directory = FileManager.default.temporaryDirectory
        let yamlPath = directory.appendingPathComponent("triage-crlf-\(UUID()).yaml").path
        let jsonPath = directory.appendingPathComponent("triage-crlf-\(UUID()).json").path
        defer {
            try? FileManager.default.removeItem(atPath: yamlPath)
            try? FileManager.default.removeItem(atPath: jsonPath)
        }
        FileManager.default.createFile(atPath: yamlPath, contents: Data("---\r\nerror_rate: 0.5\r\nretry_after: \"2\"\r\n".utf8))
        FileManager.default.createFile(atPath: jsonPath, contents: Data("{\r\n  \"error_rate\": 0.5,\r\n  \"retry_after\": \"2\"\r\n}\r\n".utf8))
        for path in [yamlPath, jsonPath] {
            let scenario = try ChaosScenario(contentsOfFile: path)
            #expect(scenario.errorRate == 0.5 && scenario.retryAfter == ["2"], "\(path)")
        }
    }

    @Test func hugeNumbersAreTypedErrorsOrText() throws {
        // 1e300 used to trap converting to Int; as text it is no Retry-After a client could read.
        #expect(throws: ChaosScenarioError.self) { try ChaosScenario(json: Array(#"{"retry_after": 1e300}"#.utf8)) }
        #expect(try ChaosScenario(json: Array(#"{"retry_after": [2, "Sun, 06 Nov 1994 08:49:37 GMT"]}"#.utf8)).retryAfter.count == 2)
        #expect(throws: ChaosScenarioError.self) { try ChaosScenario(json: Array(#"{"faults": [1e19]}"#.utf8)) }
        #expect(throws: ChaosScenarioError.self) { try ChaosScenario(json: Array(#"{"capacity": 1e300}"#.utf8)) }
    }

    @Test func deepNestingIsMalformedBeforeParsing() {
        let deep = Array((String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)).utf8)
        #expect(ChaosScenario.nestingDepth(of: deep) == ChaosScenario.maximumNesting + 1)
        #expect(ChaosScenario.nestingDepth(of: Array(#"{"a": "[[[[[[[[[[[[\"[[[["}"#.utf8)) == 1)
        do {
            _ = try ChaosScenario(json: deep)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func largeSeedsRoundTripThroughJSON() throws {
        var scenario = ChaosScenario()
        scenario.seed = UInt64.max - 1
        let back = try ChaosScenario(json: Array(scenario.json.utf8))
        #expect(back.seed == UInt64.max - 1)
        #expect(try ChaosScenario(yaml: "seed: 42").seed == 42)
        #expect(throws: ChaosScenarioError.self) { try ChaosScenario(yaml: "seed: -1") }
    }
}
