import Triage

extension HTTPOverheadBenchmark {
    /// One request, raw or resilient.
    typealias Call = @Sendable () async throws -> Void

    /// `pairs` pairs of blocks, raw and resilient back to back, raw first in even pairs and resilient
    /// first in odd ones; summarised by ``summarize(requests:rawSeconds:resilientSeconds:)``.
    static func paired(pairs: Int, requests: Int, concurrency: Int, raw: @escaping Call,
                       resilient: @escaping Call) async throws -> Pair {
        var rawSeconds: [Double] = []
        var resilientSeconds: [Double] = []
        rawSeconds.reserveCapacity(pairs)
        resilientSeconds.reserveCapacity(pairs)
        for index in 0..<pairs {
            if index % 2 == 0 {
                rawSeconds.append(try await blockSeconds(requests: requests, concurrency: concurrency, raw))
                resilientSeconds.append(try await blockSeconds(requests: requests, concurrency: concurrency, resilient))
            } else {
                resilientSeconds.append(try await blockSeconds(requests: requests, concurrency: concurrency, resilient))
                rawSeconds.append(try await blockSeconds(requests: requests, concurrency: concurrency, raw))
            }
        }
        return summarize(requests: requests, rawSeconds: rawSeconds, resilientSeconds: resilientSeconds)
    }

    /// The reported numbers from paired block times (seconds, index `i` of both arrays is pair `i`,
    /// `requests` per block): raw rate from the total raw time, resilient rate = raw rate × the median
    /// per-pair ratio (raw time / resilient time).
    static func summarize(requests: Int, rawSeconds: [Double], resilientSeconds: [Double]) -> Pair {
        precondition(rawSeconds.count == resilientSeconds.count, "blocks come in pairs")
        let ratios = zip(rawSeconds, resilientSeconds).map { raw, resilient in resilient > 0 ? raw / resilient : 0 }.sorted()
        let rawTotal = rawSeconds.reduce(0, +)
        let resilientTotal = resilientSeconds.reduce(0, +)
        let rawRate = rawTotal > 0 ? Double(requests * rawSeconds.count) / rawTotal : 0
        let ratio = quantile(ratios, 0.5)
        return Pair(rawRequestsPerSecond: rawRate, resilientRequestsPerSecond: rawRate * ratio, ratio: ratio,
                    ratioQuartiles: (quantile(ratios, 0.25), quantile(ratios, 0.75)),
                    totalTimeRatio: resilientTotal > 0 ? rawTotal / resilientTotal : 0, pairs: ratios.count)
    }

    /// The `q` quantile (0...1) of ascending `sorted`, interpolated linearly between neighbours; 0 when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }

    /// Seconds taken by `requests` calls of `call`, `concurrency` at a time (each of `concurrency`
    /// tasks makes an equal share, ±1).
    static func blockSeconds(requests: Int, concurrency: Int, _ call: @escaping Call) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        if concurrency == 1 {
            for _ in 0..<requests { try await call() }
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<min(concurrency, requests) {
                    let share = requests / concurrency + (worker < requests % concurrency ? 1 : 0)
                    group.addTask { for _ in 0..<share { try await call() } }
                }
                try await group.waitForAll()
            }
        }
        return start.duration(to: clock.now).triageSeconds
    }
}
