import Triage
import Metrics

/// The client's metrics: `triage_s3_operations_total` counts operations by `operation`
/// (``S3Operation``) and `outcome` (`ok`, or the failure kind's id: both bounded sets), and
/// `triage_s3_operation_duration_seconds` times them by `operation`. Each metric is made once, on
/// first use, and kept.
public struct S3Metrics: Sendable {
    /// The metric names' prefix (default `triage_s3`).
    public let prefix: String
    let factory: any MetricsFactory
    let cache: S3MetricsCache

    /// - Parameter factory: where the metrics go (default the bootstrapped `MetricsSystem.factory`;
    ///   tests pass MetricsTestKit's `TestMetrics`).
    public init(prefix: String = "triage_s3", factory: any MetricsFactory = MetricsSystem.factory) {
        self.prefix = prefix
        self.factory = factory
        self.cache = S3MetricsCache()
    }

    func record(operation: S3Operation, outcome: String, duration: Duration) {
        let (counter, timer) = cache.metrics(operation: operation.name, outcome: outcome) {
            (Counter(label: "\(prefix)_operations_total", dimensions: [("operation", operation.name), ("outcome", outcome)], factory: factory),
             Metrics.Timer(label: "\(prefix)_operation_duration_seconds", dimensions: [("operation", operation.name)], factory: factory))
        }
        counter.increment()
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}

/// The metrics made so far, by operation and outcome (bounded: operations × kinds).
final class S3MetricsCache: Sendable {
    private let made = LockedValue<[String: (Counter, Metrics.Timer)]>([:])

    func metrics(operation: String, outcome: String, make: () -> (Counter, Metrics.Timer)) -> (Counter, Metrics.Timer) {
        made.withLock { made in
            let key = operation + " " + outcome
            if let existing = made[key] { return existing }
            let fresh = make()
            made[key] = fresh
            return fresh
        }
    }
}
