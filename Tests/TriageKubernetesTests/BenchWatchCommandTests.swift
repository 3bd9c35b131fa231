import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// `triage bench watch` as a person runs it: the built binary, small blocks.
@Suite struct BenchWatchCommandTests {
    /// Every block's rate and CPU time per event is positive and the run ends. With as many events as objects, the flood's last
    /// resourceVersion is older than the memory phase's compaction: a supervisor left running after the
    /// flood listed again (its `listed` moved the block's start past its end: negative rates) and could
    /// take the next block's flood with a late watch request (the run hung).
    @Test(.enabled(if: KubeCommandLineTests.built, "build the triage product first"))
    func everyBlockRateIsPositive() async throws {
        let result = try await ChildProcess.run(KubeCommandLineTests.binary, ["bench", "watch", "--json", "--events", "1000", "--pairs", "6",
                                                                              "--objects", "1000", "--recovery-objects", "10"],
                                                timeout: .seconds(120))
        #expect(result.status == 0)
        let json = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "not JSON: \(result.stdout)")
        let rates = try #require(json["supervisor_events_per_s"] as? [Double])
        #expect(rates.count == 6)
        #expect(rates.allSatisfy { $0 > 0 }, "\(rates)")
        for key in ["raw_cpu_us_per_event", "supervisor_cpu_us_per_event"] {
            let cpu = try #require(json[key] as? [Double], "\(key)")
            #expect(cpu.count == 6 && cpu.allSatisfy { $0 > 0 }, "\(key): \(cpu)")
        }
    }
}
