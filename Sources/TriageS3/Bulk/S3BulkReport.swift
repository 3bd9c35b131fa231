import Triage

/// One item of a bulk operation and how it ended.
public struct S3BulkItem: Sendable {
    /// The local name (a file's relative path), or the key again where there is none.
    public var name: String
    public var key: String
    /// `nil` when the item succeeded.
    public var failure: Failure?
    /// Requests made for this item, the second pass's included (0 when none could be sent: an
    /// unreadable file, an open breaker).
    public var attempts: Int
    /// Whether the item was tried again after the rest (the second pass over retryable failures).
    public var retried: Bool

    public var succeeded: Bool { failure == nil }

    public init(name: String, key: String, failure: Failure? = nil, attempts: Int, retried: Bool = false) {
        self.name = name
        self.key = key
        self.failure = failure
        self.attempts = attempts
        self.retried = retried
    }
}

/// Every item of a bulk operation, in input order, and the counts: never an all-or-nothing error.
public struct S3BulkReport: Sendable {
    public var items: [S3BulkItem]

    public init(items: [S3BulkItem]) { self.items = items }

    public var succeeded: Int { items.count { $0.succeeded } }
    public var failed: Int { items.count { !$0.succeeded } }
    /// Items tried again in the second pass (whether they then succeeded or not).
    public var retried: Int { items.count { $0.retried } }
    /// Requests made, over all items.
    public var attempts: Int { items.reduce(0) { $0 + $1.attempts } }
    public var failures: [S3BulkItem] { items.filter { !$0.succeeded } }
}

extension Failure {
    /// Whether a bulk operation's second pass should try this again: its kind is one that can succeed
    /// later, or the pipeline gave up on its own limits (attempts, the retry budget, the deadline), not
    /// on the failure's nature. The second pass still asks the budget for each item (`takeRetry()`).
    var isWorthASecondPass: Bool {
        isRetryable || kind.defaultDecision.isRetryable || kind == .budgetExhausted || kind == .deadlineExceeded
    }
}
