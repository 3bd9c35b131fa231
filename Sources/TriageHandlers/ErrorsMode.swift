/// What an arbitrary error (neither ``TemporaryError`` nor ``PermanentError``) means (Kopf's `ErrorsMode`).
public enum ErrorsMode: String, Sendable, Hashable, CaseIterable {
    /// Retry after ``HandlerOptions/backoff``: Kopf's default.
    case temporary
    /// Fail the change for good.
    case permanent
    /// Record the error and treat the change as handled.
    case ignored
    /// Triage's own: classify the error with ``HandlerOptions/classifier`` and decide as the taxonomy does —
    /// `retry` backs off, `retryAfter` waits the named delay, `refresh` (409, 412) and `relist` retry after
    /// ``HandlerOptions/refreshDelay``, `fail` (400, 403, 422, ...) is permanent. An error no classifier
    /// recognises (`unknown`) is temporary, the taxonomy's default for handlers.
    case classified
}
