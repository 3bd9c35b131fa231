import Logging
import Tracing

extension Pipeline {
    /// Passes the records of `history` from index `published` on to whoever listens, and moves
    /// `published` past them.
    @usableFromInline
    func publishNew(_ history: DecisionHistory, from published: inout Int, span: (any Span)?) {
        guard history.count > published else { return }
        defer { published = history.count }
        guard hasListeners || span != nil else { return }
        for index in published..<history.count { publish(history[index], span: span) }
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
