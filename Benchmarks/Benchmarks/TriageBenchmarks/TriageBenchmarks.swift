import Benchmark
import Triage

@inline(never)
func work() async -> Int { 42 }

/// What Triage adds to a successful async call, and what an open breaker costs: wall time and
/// heap allocations per call (scaled by `.kilo` iterations).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2)
    )

    Benchmark("bare") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(await work()) }
    }

    let retryOnly = Pipeline(retry: .standard)
    Benchmark("retry") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await retryOnly.run(idempotent: true) { _ in await work() }) }
    }

    let standard = Pipeline.standard
    Benchmark("standard-pipeline") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await standard.run(idempotent: true) { _ in await work() }) }
    }

    var cancelling = Pipeline.standard
    cancelling.timeoutEnforcement = .cancel
    Benchmark("standard-pipeline-cancel") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await cancelling.run(idempotent: true) { _ in await work() }) }
    }

    let tripsAtOnce = CircuitBreakerPolicy(trip: .consecutiveFailures(1), openDuration: .seconds(3600), maximumOpenDuration: .seconds(3600))
    // A valid policy: the breaker is always made.
    guard let breaker = try? CircuitBreaker(policy: tripsAtOnce) else { return }
    let open = Pipeline(retry: .never, breaker: breaker)
    Benchmark("open-breaker") { benchmark in
        // One counted failure opens the breaker for the hour the measured calls run in.
        _ = try? await open.run(idempotent: true) { _ -> Int in throw Failure(.connectionReset) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try? await open.run(idempotent: true) { _ in await work() }) }
    }

    let chain = ClassifierChain.core
    // Boxed once: converting to `any Error` allocates, and that is the caller's cost, not the classifier's.
    let cancellation: any Error = CancellationError()
    Benchmark("classify-known-error") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(chain.classify(cancellation)) }
    }
}
