import Foundation
import Triage
import TriageProbe

/// Measures what Triage adds to a successful async call, for `triage bench overhead`.
///
/// Rows: `bare` (the call alone), `retry` (a retry policy, nothing else), `standard-pipeline`
/// (`Pipeline.standard`: deadline + retry + budget + breaker + attempt timeout, deadlines handed to
/// the operation), `standard-pipeline-cancel` (the same with timeouts enforced by cancelling a child
/// task), `open-breaker` (a rejection by an open breaker).
/// Each row runs `calls` calls after a warm-up, in 7 timed blocks, and reports the median block's
/// nanoseconds per call.
public enum OverheadBenchmark {
    public struct Row: Sendable {
        public var name: String
        public var nanosecondsPerCall: Double
        public var calls: Int
    }

    @inline(never)
    static func work() async -> Int { 42 }

    public static func run(calls: Int = 200_000) async -> [Row] {
        var rows: [Row] = []
        rows.append(await measure("bare", calls: calls) { await work() })

        let retryOnly = Pipeline(retry: .standard)
        rows.append(await measure("retry", calls: calls) { (try? await retryOnly.run(idempotent: true) { _ in await work() }) ?? 0 })

        let standard = Pipeline.standard
        rows.append(await measure("standard-pipeline", calls: calls) { (try? await standard.run(idempotent: true) { _ in await work() }) ?? 0 })

        var cancelling = Pipeline.standard
        cancelling.timeoutEnforcement = .cancel
        rows.append(await measure("standard-pipeline-cancel", calls: max(1_000, calls / 100)) {
            (try? await cancelling.run(idempotent: true) { _ in await work() }) ?? 0
        })

        let tripsAtOnce = CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(3600), maximumOpenDuration: .seconds(3600))
        // A valid policy: the breaker is always made.
        guard let breaker = try? CircuitBreaker(policy: tripsAtOnce) else { return rows }
        let open = Pipeline(retry: .never, breaker: breaker)
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        rows.append(await measure("open-breaker", calls: calls) { (try? await open.run(idempotent: true) { _ in await work() }) ?? 0 })
        return rows
    }

    /// The median over `blocks` timed blocks of `calls / blocks` calls each, after a warm-up: a spell of
    /// other work on a shared machine spoils a block or two, not the result.
    private static func measure(_ name: String, calls: Int, blocks: Int = 7, _ body: () async -> Int) async -> Row {
        var sink = 0
        for _ in 0..<min(calls / 10, 10_000) { sink &+= await body() }
        let clock = ContinuousClock()
        let perBlock = max(1, calls / blocks)
        var samples: [Double] = []
        for _ in 0..<blocks {
            let start = clock.now
            for _ in 0..<perBlock { sink &+= await body() }
            samples.append(start.duration(to: clock.now).triageSeconds * 1e9 / Double(perBlock))
        }
        if sink == 1 { print("") }  // keeps the calls from being optimised away
        return Row(name: name, nanosecondsPerCall: samples.sorted()[blocks / 2], calls: perBlock * blocks)
    }

    /// `{"rows": [{"name": …, "ns_per_call": …, "calls": …}]}`.
    public static func json(_ rows: [Row]) -> String {
        let items = rows.map { row in
            var object = JSONWriter()
            object.field("name", .string(row.name))
            object.field("ns_per_call", .raw(String(format: "%.1f", row.nanosecondsPerCall)))
            object.field("calls", .int(row.calls))
            return object.text
        }
        return "{\"rows\": [" + items.joined(separator: ", ") + "]}"
    }
}
