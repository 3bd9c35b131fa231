import Triage

/// A handler's error that says "not now, later": the handler is run again after ``delay`` (Kopf's
/// `kopf.TemporaryError`). Counts as one retry.
public struct TemporaryError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the object's status and events.
    public var message: String
    /// How long to wait before the next attempt (default 60 s, Kopf's).
    public var delay: Duration

    public init(_ message: String, delay: Duration = .seconds(60)) {
        self.message = message
        self.delay = delay
    }

    public var description: String { message }
}

/// A handler's error that says "this change cannot be handled": the handler is not run again for this
/// change (Kopf's `kopf.PermanentError`).
public struct PermanentError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the object's status and events.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Thrown into a handler's record when one invocation ran longer than
/// ``HandlerOptions/attemptTimeout``: the invocation was cancelled, and the error is handled as an
/// arbitrary error (``HandlerOptions/errors`` decides).
public struct HandlerAttemptTimeout: Error, Sendable, CustomStringConvertible {
    /// The limit that passed.
    public var limit: Duration

    public init(limit: Duration) { self.limit = limit }

    public var description: String { "the handler ran longer than its attempt timeout (\(limit.triageSeconds) s)" }
}
