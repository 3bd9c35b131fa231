import InMemoryTracing
import Logging
import MetricsTestKit
import Synchronization
import Testing
import TriageTestKit

@Suite struct TelemetryTests {
    @Test func countersUseBoundedKindLabelsAndSpansGetAnEventPerAttempt() async throws {
        let metrics = TestMetrics()
        let tracer = InMemoryTracer()
        let clock = ManualClock()
        let calls = Counter()
        let pipeline = Pipeline(clock: clock, retry: RetryPolicy(maximumAttempts: 3), telemetry: PipelineTelemetry(metricsFactory: metrics, tracer: tracer))
        let result = await drive(clock) {
            try await pipeline.run(idempotent: true) { _ in
                if calls.increment() < 3 { throw Transient() }
                return 1
            }
        }
        #expect(try result.get() == 1)
        #expect(try metrics.expectCounter("triage_attempts_total", [("kind", "http.unavailable")]).totalValue == 2)
        #expect(try metrics.expectCounter("triage_retries_total", [("kind", "http.unavailable")]).totalValue == 2)
        #expect(try metrics.expectCounter("triage_attempts_total", [("kind", "ok")]).totalValue == 1)
        let span = try #require(tracer.finishedSpans.first)
        #expect(span.operationName == "triage.operation")
        #expect(span.events.map(\.name) == ["triage.attempt", "triage.attempt", "triage.attempt"])
    }

    @Test func giveUpsAreCountedAndTheSpanIsMarkedFailed() async throws {
        let metrics = TestMetrics()
        let tracer = InMemoryTracer()
        let clock = ManualClock()
        let pipeline = Pipeline(clock: clock, retry: .standard, telemetry: PipelineTelemetry(metricsFactory: metrics, tracer: tracer))
        _ = await drive(clock) { try await pipeline.run { _ in throw NotFound() } }
        #expect(try metrics.expectCounter("triage_give_ups_total", [("kind", "http.notFound")]).totalValue == 1)
        #expect(tracer.finishedSpans.first?.status?.code == .error)
    }

    @Test func decisionsAreLoggedWithDottedKeysAtDebugLevel() async throws {
        let lines = LogLines()
        var logger = Logger(label: "test") { _ in lines.handler() }
        logger.logLevel = .debug
        let clock = ManualClock()
        let pipeline = Pipeline(clock: clock, retry: .never, logger: logger)
        _ = await drive(clock) { try await pipeline.run { _ in throw NotFound() } }
        let entry = try #require(lines.entries.first)
        #expect(entry.level == .debug)
        #expect(entry.message == "triage attempt finished")
        #expect(entry.metadata["triage.kind"] == "http.notFound")
        #expect(entry.metadata["triage.attempt"] == "1")
    }

    @Test func breakerTransitionsAreCounted() throws {
        let metrics = TestMetrics()
        let telemetry = PipelineTelemetry(metricsFactory: metrics)
        let breaker = try CircuitBreaker(policy: CircuitBreakerPolicy(trip: .consecutiveFailures(1)), onTransition: telemetry.breakerTransition)
        breaker.record(success: false, counted: true, retryAfter: nil, now: .zero)
        #expect(try metrics.expectCounter("triage_breaker_transitions_total", [("to", "open")]).totalValue == 1)
    }
}

/// A log handler that keeps what it is given, for one test (no global bootstrap).
final class LogLines: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = LockedValue<[Entry]>([])
    var entries: [Entry] { storage.withLock { $0 } }

    func handler() -> Handler { Handler(lines: self) }

    struct Handler: LogHandler {
        let lines: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let flat = (event.metadata ?? [:]).mapValues { "\($0)" }
            lines.storage.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: flat)) }
        }
    }
}
