import Triage

extension FailureKind {
    /// The store held more than its bound until the enqueue timeout passed (backpressure): stop, notSent.
    public static let outboxFull = FailureKind(id: "outbox.full", decision: .stop, delivery: .notSent,
                                               summary: "outbox full")
    /// A message outlived its maximum age before it could be delivered: dead-lettered; fail. Its delivery is
    /// that of the last attempt (`notSent` when there was none).
    public static let messageExpired = FailureKind(id: "message.expired", decision: .fail, delivery: .notSent,
                                                   summary: "message expired")
}
