extension Pipeline {
    /// Runs `operation` with `faults` injected into every attempt: injected failures are classified,
    /// counted and retried like real ones (``run(idempotent:refresh:_:)``).
    public func run<T: Sendable>(
        injecting faults: FaultInjection<T>,
        idempotent: Bool = false,
        refresh: (@Sendable (Failure) async throws -> Void)? = nil,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async throws -> T {
        try await run(idempotent: idempotent, refresh: refresh, faults.wrap(operation))
    }
}
