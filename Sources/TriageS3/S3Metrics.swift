import Metrics

/// The client's metrics, created once: `triage_s3_operations_total` counts operations by
/// `operation` (``S3Operation``) and `outcome` (`ok`, or the failure kind's id: both bounded sets), and
/// `triage_s3_operation_duration_seconds` times them by `operation`.
public struct S3Metrics: Sendable {
    /// The metric names' prefix (default `triage_s3`).
    public var prefix: String

    public init(prefix: String = "triage_s3") {
        self.prefix = prefix
    }

    func record(operation: S3Operation, outcome: String, duration: Duration) {
        Counter(label: "\(prefix)_operations_total", dimensions: [("operation", operation.name), ("outcome", outcome)]).increment()
        Metrics.Timer(label: "\(prefix)_operation_duration_seconds", dimensions: [("operation", operation.name)])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
