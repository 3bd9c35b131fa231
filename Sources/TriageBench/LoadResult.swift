/// What one workload (one policy against one server behaviour) measured.
public struct LoadResult: Sendable {
    /// The policy used.
    public var policy: ComparedPolicy
    /// Requests the workload issued.
    public var offered: Int
    /// Attempts that went on the wire (requests sent to the server), retries included; attempts an
    /// open circuit rejected locally are not sent and not counted.
    public var attempts: Int
    /// Requests that ended in success.
    public var succeeded: Int
    /// Each request's latency from issue to its final outcome, in milliseconds, sorted.
    public var latencies: [Double]
    /// Times the circuit breaker opened (standard only).
    public var breakerOpened = 0
    /// Attempts the pipeline made but did not send, because the breaker was open (standard only).
    public var breakerRejected = 0
    /// Retries the retry budget refused (standard only).
    public var budgetRefused = 0
    /// Waits taken because the server named a delay (Retry-After; standard only).
    public var retryAfterWaits = 0

    /// `attempts / offered`: how much load the server sees per request asked for (1.0 = no amplification).
    public var amplification: Double { offered == 0 ? 0 : Double(attempts) / Double(offered) }
    /// `succeeded / offered`, 0…1.
    public var successRate: Double { offered == 0 ? 0 : Double(succeeded) / Double(offered) }
    /// The median latency in milliseconds (nearest rank).
    public var p50: Double { percentile(0.50) }
    /// The 99th-percentile latency in milliseconds (nearest rank).
    public var p99: Double { percentile(0.99) }

    /// The nearest-rank percentile `q` (0…1) of ``latencies``, 0 when there are none.
    public func percentile(_ q: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let rank = Int((q * Double(latencies.count)).rounded(.up))
        return latencies[min(max(rank, 1), latencies.count) - 1]
    }

    /// The breaker and budget events in a few words ("-" when none).
    public var eventSummary: String {
        var parts: [String] = []
        if breakerOpened > 0 || breakerRejected > 0 { parts.append("breaker opened \(breakerOpened)×, \(breakerRejected) attempts not sent") }
        if budgetRefused > 0 { parts.append("budget refused \(budgetRefused)") }
        if retryAfterWaits > 0 { parts.append("waited Retry-After \(retryAfterWaits)×") }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }
}
