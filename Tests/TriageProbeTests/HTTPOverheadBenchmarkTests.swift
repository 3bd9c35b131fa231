import Foundation
import Testing
@testable import TriageProbe
@testable import TriageBench

@Suite struct HTTPOverheadBenchmarkTests {
    @Test func tinyRunHasTheDocumentedShape() async throws {
        let result = try await HTTPOverheadBenchmark.run(requests: 20, concurrency: 4, pairs: 2)
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

    @Test func pairsAreSummarisedByTheirMedianRatio() {
        // 100 requests per block; pair 3's resilient block was hit by a stall (0.5 s).
        let pair = HTTPOverheadBenchmark.summarize(requests: 100, rawSeconds: [0.10, 0.12, 0.10, 0.10],
                                                   resilientSeconds: [0.10, 0.12, 0.50, 0.125])
        #expect(abs(pair.rawRequestsPerSecond - 400 / 0.42) < 1e-9)
        #expect(abs(pair.ratio - 0.9) < 1e-9)                    // ratios 0.2, 0.8, 1, 1: median 0.9
        #expect(abs(pair.resilientRequestsPerSecond - pair.rawRequestsPerSecond * 0.9) < 1e-9)
        #expect(abs(pair.totalTimeRatio - 0.42 / 0.845) < 1e-9)  // the stall weighs on the unpaired ratio
        #expect(pair.ratioQuartiles.lower < pair.ratio && pair.ratio <= pair.ratioQuartiles.upper)
        #expect(pair.pairs == 4)
    }

    @Test func quantilesInterpolate() {
        #expect(HTTPOverheadBenchmark.quantile([], 0.5) == 0)
        #expect(HTTPOverheadBenchmark.quantile([3], 0.25) == 3)
        #expect(HTTPOverheadBenchmark.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(HTTPOverheadBenchmark.quantile([1, 2, 3, 4, 5], 0.25) == 2)
    }
}
