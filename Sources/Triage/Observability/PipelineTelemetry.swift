import CoreMetrics
import Synchronization
import Tracing

/// Metrics and spans for a pipeline. Labels are bounded: dimensions are kind ids and breaker phases.
///
/// Metrics (swift-metrics counters):
/// - `triage_attempts_total{kind}`: every attempt, `kind` = `ok` or the failure kind;
/// - `triage_retries_total{kind}`: attempts followed by another;
/// - `triage_give_ups_total{kind}`: operations that failed for good;
/// - `triage_budget_exhausted_total`: retries refused by the budget;
/// - `triage_breaker_transitions_total{to}`: wire ``breakerTransition(from:to:)`` to a ``CircuitBreaker``.
///
/// Tracing (swift-distributed-tracing, when a tracer is given): one span `triage.operation` per
/// operation with an event `triage.attempt` per attempt.
public final class PipelineTelemetry: Sendable {
    private let factory: any MetricsFactory
    @usableFromInline let tracer: (any Tracer)?
    private let counters = LockedValue<[String: Counter]>([:])

    /// - Parameters:
    ///   - metricsFactory: where counters go (default the process's `MetricsSystem.factory`).
    ///   - tracer: where spans go; `nil` (default) records no spans.
    public init(metricsFactory: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil) {
        self.factory = metricsFactory
        self.tracer = tracer
    }

    /// The counter for `label` and `dimension`, made once and cached.
    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + "|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return counters.withLock { cache in
            if let existing = cache[key] { return existing }
            let made = Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = made
            return made
        }
    }

    /// Counts one decision record.
    public func record(_ record: DecisionRecord) {
        let kind = record.kind?.id ?? "ok"
        counter("triage_attempts_total", [("kind", kind)]).increment()
        switch record.action {
        case .retry, .refreshAndRetry:
            counter("triage_retries_total", [("kind", kind)]).increment()
        case .gaveUp:
            counter("triage_give_ups_total", [("kind", kind)]).increment()
            if record.kind == .budgetExhausted { counter("triage_budget_exhausted_total", []).increment() }
        case .succeeded:
            break
        }
    }

    /// Counts a breaker transition; pass as a ``CircuitBreaker``'s `onTransition`.
    public func breakerTransition(from: CircuitBreakerState.Phase, to: CircuitBreakerState.Phase) {
        counter("triage_breaker_transitions_total", [("to", to.rawValue)]).increment()
    }
}
