/// Hedged requests: when an attempt is slow, start another in parallel; the first success wins and
/// the others are cancelled. Only for idempotent operations (the pipeline does not hedge others), and
/// each hedge takes a retry from the budget, so hedging cannot multiply load during an outage.
///
/// A pure value: the latencies a percentile delay follows are kept by the ``Pipeline``.
public struct HedgingPolicy: Sendable {
    /// When to send a hedge.
    public enum Delay: Sendable, Hashable {
        /// A fixed wait after the previous attempt started.
        case fixed(Duration)
        /// The given percentile (0…1) of recently observed latencies; `fallback` until `minimumSamples`
        /// latencies have been seen.
        case percentile(Double, fallback: Duration, minimumSamples: Int = 20)
    }

    /// When to send a hedge.
    public var delay: Delay
    /// Extra attempts at most (default 1; at least 1).
    public var maximumHedges: Int

    /// Checked by ``validate()``, which ``Pipeline/validate()`` calls.
    public init(delay: Delay, maximumHedges: Int = 1) {
        self.delay = delay
        self.maximumHedges = maximumHedges
    }

    /// - Throws: ``ConfigurationError`` for a negative delay, a percentile outside 0…1 or fewer than 1 hedge.
    public func validate() throws(ConfigurationError) {
        switch delay {
        case .fixed(let wait):
            try ConfigurationError.require(wait >= .zero, "HedgingPolicy.delay", "must not be negative")
        case .percentile(let quantile, let fallback, let minimumSamples):
            try ConfigurationError.require((0...1).contains(quantile), "HedgingPolicy.percentile", "must be within 0…1 (\(quantile))")
            try ConfigurationError.require(fallback >= .zero, "HedgingPolicy.fallback", "must not be negative")
            try ConfigurationError.require(minimumSamples >= 1, "HedgingPolicy.minimumSamples", "must be at least 1")
        }
        try ConfigurationError.require(maximumHedges >= 1, "HedgingPolicy.maximumHedges", "must be at least 1 (\(maximumHedges))")
    }

    /// Whether ``delay`` follows observed latencies, so that a pipeline must keep them.
    package var followsLatencies: Bool {
        if case .percentile = delay { return true }
        return false
    }

    /// How long to wait before the next hedge, given the latencies the pipeline has seen (`nil`: none
    /// kept, so a percentile delay is its fallback).
    package func currentDelay(_ latencies: LatencyTracker?) -> Duration {
        switch delay {
        case .fixed(let wait):
            return wait
        case .percentile(let quantile, let fallback, let minimumSamples):
            return latencies?.percentile(quantile, minimumSamples: minimumSamples) ?? fallback
        }
    }
}

/// The last 256 latencies, for percentiles. Storage is allocated once (about 4 KB).
/// A pipeline whose hedging delay is a percentile keeps one, shared by its copies as the retry budget
/// is (``Pipeline``'s hedging state); other pipelines keep none.
@usableFromInline
package final class LatencyTracker: Sendable {
    private struct Ring {
        var samples = [Duration](repeating: .zero, count: 256)
        var count = 0
        var next = 0
    }

    private let ring = LockedValue(Ring())

    package init() {}

    /// `existing` when `hedging` follows latencies and one is kept already, a new tracker when it
    /// follows them and none is, `nil` when it does not.
    package static func kept(for hedging: HedgingPolicy?, existing: LatencyTracker?) -> LatencyTracker? {
        guard hedging?.followsLatencies == true else { return nil }
        return existing ?? LatencyTracker()
    }

    package func record(_ latency: Duration) {
        ring.withLock { ring in
            ring.samples[ring.next] = latency
            ring.next = (ring.next + 1) % ring.samples.count
            ring.count = min(ring.count + 1, ring.samples.count)
        }
    }

    package func percentile(_ quantile: Double, minimumSamples: Int) -> Duration? {
        let samples: [Duration] = ring.withLock { ring in
            guard ring.count >= minimumSamples else { return [] }
            return Array(ring.samples.prefix(ring.count))
        }
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, max(0, Int((quantile * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[index]
    }
}
