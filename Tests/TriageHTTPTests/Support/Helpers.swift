import AsyncHTTPClient
import Synchronization
import Triage
import TriageChaos
import TriageHTTP

/// Counts calls across tasks.
final class Counter: Sendable {
    private let value = LockedValue(0)
    @discardableResult func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

/// Collects decision records.
final class Records: Sendable {
    private let value = LockedValue<[DecisionRecord]>([])
    func append(_ record: DecisionRecord) { value.withLock { $0.append(record) } }
    var all: [DecisionRecord] { value.withLock { $0 } }
}

enum TestPipelines {
    /// `attempts` attempts, 1 ms backoff, no budget or breaker, Retry-After up to 30 s, 5 s per attempt.
    static func fast(attempts: Int = 3, records: Records? = nil) -> Pipeline<ContinuousClock> {
        Pipeline(
            clock: ContinuousClock(),
            retry: RetryPolicy(maximumAttempts: attempts, backoff: Backoff(.constant, base: .milliseconds(1), cap: .milliseconds(1))),
            deadline: .seconds(20),
            attemptTimeout: .seconds(5),
            observer: records.map { records in { @Sendable record in records.append(record) } }
        )
    }
}

/// A server behaviour that fails the first `failures` requests with `failure`, then answers 200 "ok".
func flaky(failures: Int, _ failure: FaultBehaviour) -> (FaultBehaviour, Counter) {
    let counter = Counter()
    let behaviour = FaultBehaviour.route { _, _ in counter.increment() <= failures ? failure : .respond(status: 200, body: "ok") }
    return (behaviour, counter)
}

/// Runs `body`, expecting it to throw a ``Failure``; returns it (or records an issue).
func captureFailure<T>(_ body: () async throws -> T) async -> Failure? {
    do {
        _ = try await body()
        return nil
    } catch let failure as Failure {
        return failure
    } catch {
        return Failure(.unknown, underlying: error, detail: "not a Failure: \(error)")
    }
}
