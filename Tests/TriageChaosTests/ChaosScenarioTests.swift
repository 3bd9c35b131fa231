import Foundation
import Testing
import Triage
import TriageChaos

/// Scenario files and bodies: what parses, and the typed errors of what does not.
@Suite struct ChaosScenarioTests {
    @Test func jsonSetsEveryField() throws {
        let scenario = try ChaosScenario(json: Array("""
            {"error_rate": 0.25, "error_status": 429, "retry_after": [1, "2"], "error_body": "kubernetes",
             "latency": "uniform:5-20", "capacity": 3, "over_capacity": "wait", "capacity_status": 503,
             "fault_rate": 0.1, "faults": ["reset", "stall"], "seed": 9}
            """.utf8))
        #expect(scenario.errorRate == 0.25)
        #expect(scenario.errorStatus == 429)
        #expect(scenario.retryAfter == ["1", "2"])
        #expect(scenario.errorBody == .kubernetes)
        #expect(scenario.latency == .uniform(min: 5, max: 20))
        #expect(scenario.capacity == 3)
        #expect(scenario.overCapacity == .wait)
        #expect(scenario.faults == [.reset, .stall])
        #expect(scenario.seed == 9)
        // The JSON form round-trips.
        #expect(try ChaosScenario(json: Array(scenario.json.utf8)) == scenario)
    }

    @Test func flatYAMLParses() throws {
        let scenario = try ChaosScenario(yaml: """
            # a throttling server
            error_rate: 0.5   # half of them
            error_status: 503
            retry_after: "1"
            error_body: s3
            latency: tail:5:500:0.01
            faults:
              - close
              - truncate
            fault_rate: 0.2
            capacity: null
            """)
        #expect(scenario.errorRate == 0.5)
        #expect(scenario.retryAfter == ["1"])
        #expect(scenario.errorBody == .s3)
        #expect(scenario.latency == .longTail(base: 5, tail: 500, rate: 0.01))
        #expect(scenario.faults == [.close, .truncate])
        #expect(scenario.capacity == nil)
    }

    @Test func fileByExtension() throws {
        let directory = FileManager.default.temporaryDirectory
        let json = directory.appendingPathComponent("chaos-\(UUID()).json")
        let yaml = directory.appendingPathComponent("chaos-\(UUID()).yaml")
        defer {
            try? FileManager.default.removeItem(at: json)
            try? FileManager.default.removeItem(at: yaml)
        }
        try #"{"error_rate": 1}"#.write(to: json, atomically: true, encoding: .utf8)
        try "error_rate: 1\nfaults: [reset, close]\n".write(to: yaml, atomically: true, encoding: .utf8)
        #expect(try ChaosScenario(contentsOfFile: json.path).errorRate == 1)
        #expect(try ChaosScenario(contentsOfFile: yaml.path).faults == [.reset, .close])
    }

    @Test(arguments: [
        (#"{"error_rate": 0.2"#, "malformed"),
        (#"[1, 2]"#, "malformed"),
        (#"{"eror_rate": 0.2}"#, "unknownField"),
        (#"{"error_rate": 1.5}"#, "outOfRange"),
        (#"{"error_status": 200}"#, "outOfRange"),
        (#"{"capacity": 0}"#, "outOfRange"),
        (#"{"error_rate": "lots"}"#, "malformed"),
        (#"{"error_status": 503.5}"#, "malformed"),
        (#"{"latency": "fixed:abc"}"#, "invalidLatency"),
        (#"{"latency": "uniform:20-5"}"#, "invalidLatency"),
        (#"{"latency": "sometimes"}"#, "invalidLatency"),
        (#"{"faults": ["explode"]}"#, "unknownName"),
        (#"{"error_body": "soap"}"#, "unknownName"),
        (#"{"seed": -1}"#, "outOfRange"),
    ])
    func invalidJSONHasTypedErrors(text: String, code: String) {
        #expect {
            _ = try ChaosScenario(json: Array(text.utf8))
        } throws: { error in
            (error as? ChaosScenarioError)?.code.name == code
        }
    }

    @Test(arguments: ["error_rate: [1\n", "- reset\n", "error_rate: 1\nerror_rate: 2\n", "just text\n", "error_rate: {b: 1}\n"])
    func invalidYAMLIsMalformed(text: String) {
        #expect {
            _ = try ChaosScenario(yaml: text)
        } throws: { error in
            (error as? ChaosScenarioError)?.code == .malformed
        }
    }

    @Test func errorsNameTheFieldAndItsLine() throws {
        let yaml = "# outage\nerror_rate: 0.1\n\nerror_status: 700\n"
        let outOfRange = #expect(throws: ChaosScenarioError.self) { try ChaosScenario(yaml: yaml) }
        #expect(outOfRange?.code == .outOfRange && outOfRange?.field == "error_status" && outOfRange?.line == 4)
        #expect(outOfRange?.description.hasPrefix("line 4: error_status") == true)
        let json = "{\n  \"error_rate\": 0.1,\n  \"faults\": [\"boom\"],\n  \"fault_rate\": 0.5\n}"
        let unknownName = #expect(throws: ChaosScenarioError.self) { try ChaosScenario(json: Array(json.utf8)) }
        #expect(unknownName?.code == .unknownName && unknownName?.field == "faults" && unknownName?.line == 3)
        let unknownField = #expect(throws: ChaosScenarioError.self) { try ChaosScenario(yaml: "error_rate: 0.1\n  nested: 1\n") }
        #expect(unknownField?.code == .malformed || unknownField?.code == .unknownField)
        let typo = #expect(throws: ChaosScenarioError.self) { try ChaosScenario(yaml: "error_rate: 0.1\nerorr_status: 503\n") }
        #expect(typo?.code == .unknownField && typo?.line == 2)
    }

    @Test func fullYAMLReadsAndAnAliasBombIsRefused() throws {
        let anchored = try ChaosScenario(yaml: "faults: &fs [reset, stall]\nfault_rate: 0.5\nretry_after:\n  - 1\n  - '2'\n")
        #expect(anchored.faults == [.reset, .stall] && anchored.retryAfter == ["1", "2"])
        var bomb = "a: &a [x, x, x, x, x, x, x, x]\n"
        for level in 1...8 { bomb += "l\(level): &l\(level) [*\(level == 1 ? "a" : "l\(level - 1)"), *\(level == 1 ? "a" : "l\(level - 1)"), *\(level == 1 ? "a" : "l\(level - 1)")]\n" }
        let refused = #expect(throws: ChaosScenarioError.self) { try ChaosScenario(yaml: bomb) }
        #expect(refused?.code == .malformed)
    }

    @Test func unreadableFile() {
        #expect {
            _ = try ChaosScenario(contentsOfFile: "/nonexistent/scenario.json")
        } throws: { error in
            (error as? ChaosScenarioError)?.code == .unreadable
        }
    }

    @Test(arguments: ["none", "fixed:20", "uniform:5-50", "tail:5:500:0.01"])
    func latencySpecsRoundTrip(spec: String) throws {
        #expect(try ChaosLatency(spec: spec).description == spec)
    }

    @Test func addressesMustBeLoopback() throws {
        #expect(try ChaosAddressError.parse("127.0.0.1:80", role: "upstream") == ("127.0.0.1", 80))
        #expect(try ChaosAddressError.parse("[::1]:8080", role: "upstream") == ("::1", 8080))
        for bad in ["10.0.0.1:80", "example.com:443", "0.0.0.0:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000"] {
            #expect(throws: ChaosAddressError.self) { try ChaosAddressError.parse(bad, role: "upstream") }
        }
    }
}

@Suite struct JSONStringTests {
    @Test func escapesWhatJSONRequires() throws {
        let text = "a \"quoted\" back\\slash\nnew\tline \u{01} é"
        let quoted = JSONString.quoted(text)
        #expect(quoted == #""a \"quoted\" back\\slash\nnew\tline \u0001 é""#)
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(decoded == [text])
    }
}
