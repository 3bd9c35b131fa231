import Logging
import Tracing

extension Pipeline {
    /// Keeps a decision record and passes it to the observer, telemetry, the span and the logger.
    @inlinable
    func record(_ history: inout DecisionHistory, span: (any Span)?, _ record: DecisionRecord) {
        history.append(record)
        if hasListeners || span != nil { publish(record, span: span) }
    }

    /// Whether anyone but the history hears of decisions: the observer, telemetry or the logger.
    @inlinable
    var hasListeners: Bool { observer != nil || telemetry != nil || logger != nil }

    /// Passes a record to whoever listens: the observer, telemetry, the span and the logger (debug).
    @usableFromInline
    func publish(_ record: DecisionRecord, span: (any Span)?) {
        observer?(record)
        telemetry?.record(record)
        span?.addEvent(SpanEvent(name: "triage.attempt", attributes: [
            "triage.attempt": .int64(Int64(record.attempt)),
            "triage.kind": .string(record.kind?.id ?? "ok"),
            "triage.action": .string("\(record.action)"),
        ]))
        guard let logger, logger.logLevel <= .debug else { return }
        logger.debug("triage attempt finished", metadata: [
            "triage.attempt": "\(record.attempt)",
            "triage.kind": "\(record.kind?.id ?? "ok")",
            "triage.decision": "\(record.decision?.id ?? "none")",
            "triage.action": "\(record.action)",
            "triage.delay": "\(record.delay.map { "\($0)" } ?? "none")",
        ])
    }
}
