import Foundation
import Testing
import TriageProbe

@Suite struct HTTPOverheadBenchmarkTests {
    @Test func tinyRunHasTheDocumentedShape() async throws {
        let result = try await HTTPOverheadBenchmark.run(requests: 20, concurrency: 4, rounds: 1)
        let json = HTTPOverheadBenchmark.json(result)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["sequential", "concurrent"])
        for key in ["sequential", "concurrent"] {
            let pair = try #require(object[key] as? [String: Any], "\(key)")
            #expect(Set(pair.keys) == ["raw_rps", "resilient_rps"])
            #expect(try #require(pair["raw_rps"] as? Double) > 0)
            #expect(try #require(pair["resilient_rps"] as? Double) > 0)
        }
        #expect(result.concurrency == 4)
    }
}
