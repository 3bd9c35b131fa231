import Foundation
import Triage

/// One handler's progress on one change of one object: Kopf's fields, and Triage's last failure.
///
/// Stores persist it (in memory, in an annotation, in SQLite) so that a restarted runner resumes
/// where the killed one stopped: ``retries`` and ``started`` survive, and the overall timeout counts
/// the downtime. Times are wall-clock (`Date`), since they must mean the same after a restart.
public struct HandlerProgress: Sendable, Hashable, Codable {
    /// When handling this change began (the first attempt).
    public var started: Date?
    /// When it ended: success, permanent failure, or an ignored error.
    public var stopped: Date?
    /// The next attempt is not before this time (the delay of the last temporary failure).
    public var delayed: Date?
    /// The cause being handled (`create`, `update`, `delete`, `resume`, `change`).
    public var purpose: String?
    /// Failed attempts so far for this change (0 before the first retry).
    public var retries: Int
    /// `true` once the handler succeeded (or its error was ignored).
    public var success: Bool
    /// `true` once the change failed for good.
    public var failure: Bool
    /// The last error's message, or `nil` after a success.
    public var message: String?
    /// The ids of this handler's sub-handlers, when it has some.
    public var subrefs: [String]?
    /// The last failure's kind id (`handler.temporary`, `http.throttled`, ...): Triage's.
    public var kind: String?
    /// The last failure's decision id: Triage's.
    public var decision: String?
    /// The last few attempts (at most ``HandlerProgress/recordLimit``), oldest first: Triage's.
    public var records: [HandlerRecord]

    /// At most this many records are kept (5).
    public static let recordLimit = 5

    public init(
        started: Date? = nil, stopped: Date? = nil, delayed: Date? = nil, purpose: String? = nil,
        retries: Int = 0, success: Bool = false, failure: Bool = false, message: String? = nil,
        subrefs: [String]? = nil, kind: String? = nil, decision: String? = nil, records: [HandlerRecord] = []
    ) {
        self.started = started
        self.stopped = stopped
        self.delayed = delayed
        self.purpose = purpose
        self.retries = retries
        self.success = success
        self.failure = failure
        self.message = message
        self.subrefs = subrefs
        self.kind = kind
        self.decision = decision
        self.records = records
    }

    /// `true` when the change needs no more attempts (succeeded, failed for good, or ignored).
    public var isFinished: Bool { success || failure }

    /// Appends `record`, keeping the newest ``recordLimit``.
    mutating func append(_ record: HandlerRecord) {
        records.append(record)
        if records.count > Self.recordLimit { records.removeFirst(records.count - Self.recordLimit) }
    }

    private enum CodingKeys: String, CodingKey {
        case started, stopped, delayed, purpose, retries, success, failure, message, subrefs, kind, decision, records
    }

    /// Kopf's seven fields are always written, `null` where unset (handlers-cli.md lists them as the
    /// progress's fields; a reader should not have to tell a missing key from an unset one); Triage's
    /// own optional fields only when set.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(started, forKey: .started)
        try c.encode(stopped, forKey: .stopped)
        try c.encode(delayed, forKey: .delayed)
        try c.encodeIfPresent(purpose, forKey: .purpose)
        try c.encode(retries, forKey: .retries)
        try c.encode(success, forKey: .success)
        try c.encode(failure, forKey: .failure)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(subrefs, forKey: .subrefs)
        try c.encodeIfPresent(kind, forKey: .kind)
        try c.encodeIfPresent(decision, forKey: .decision)
        try c.encode(records, forKey: .records)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        started = try c.decodeIfPresent(Date.self, forKey: .started)
        stopped = try c.decodeIfPresent(Date.self, forKey: .stopped)
        delayed = try c.decodeIfPresent(Date.self, forKey: .delayed)
        purpose = try c.decodeIfPresent(String.self, forKey: .purpose)
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 0
        success = try c.decodeIfPresent(Bool.self, forKey: .success) ?? false
        failure = try c.decodeIfPresent(Bool.self, forKey: .failure) ?? false
        message = try c.decodeIfPresent(String.self, forKey: .message)
        subrefs = try c.decodeIfPresent([String].self, forKey: .subrefs)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        decision = try c.decodeIfPresent(String.self, forKey: .decision)
        records = try c.decodeIfPresent([HandlerRecord].self, forKey: .records) ?? []
    }
}

/// One attempt of a handler, as kept in its progress: when, what came of it, and the delay chosen.
public struct HandlerRecord: Sendable, Hashable, Codable {
    /// When the attempt ended.
    public var at: Date
    /// The retry number of the attempt (0 for the first).
    public var retry: Int
    /// `success`, or the failure's kind id.
    public var kind: String
    /// The decision taken: `succeed`, `retry`, `fail`, `ignore`.
    public var decision: String
    /// The wait before the next attempt, in seconds, when there is one.
    public var delaySeconds: Double?
    /// Why: the rule that chose the decision and the delay.
    public var reason: String

    public init(at: Date, retry: Int, kind: String, decision: String, delaySeconds: Double?, reason: String) {
        self.at = at
        self.retry = retry
        self.kind = kind
        self.decision = decision
        self.delaySeconds = delaySeconds
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey {
        case at, retry, kind, decision, delaySeconds = "delay_s", reason
    }
}
