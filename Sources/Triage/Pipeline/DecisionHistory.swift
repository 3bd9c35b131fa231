/// The decision records of one operation, in order.
///
/// Records live in an array, except one case kept inline: an open breaker's rejection, the failure
/// thrown most often and the one with a time target (≤ 200 ns, no allocation). It keeps only what
/// rejections differ in and writes its record when read. So a ``Failure`` stays small (about 140
/// bytes, against 250 with a whole record inline), and each throw and copy of one costs less.
public struct DecisionHistory: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable {
    @usableFromInline
    enum Storage: Sendable {
        case records([DecisionRecord])
        case rejection(BreakerRejection)
    }

    @usableFromInline var storage: Storage

    @inlinable public init() { storage = .records([]) }

    /// A history of one record.
    public init(_ record: DecisionRecord) { storage = .records([record]) }

    /// The history of an open breaker's rejection of attempt 1.
    @inlinable
    init(_ rejection: BreakerRejection) { storage = .rejection(rejection) }

    public init(arrayLiteral records: DecisionRecord...) { storage = .records(records) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .records(let records): records.count
        case .rejection: 1
        }
    }

    public subscript(position: Int) -> DecisionRecord {
        switch storage {
        case .records(let records): return records[position]
        case .rejection(let rejection):
            precondition(position == 0, "DecisionHistory index out of range")
            return rejection.record
        }
    }

    public mutating func append(_ record: DecisionRecord) {
        switch storage {
        case .records(var records):
            storage = .records([])  // leaves `records` the only reference, so the append does not copy
            records.append(record)
            storage = .records(records)
        case .rejection(let rejection):
            storage = .records([rejection.record, record])
        }
    }
}

/// An open breaker's rejection of attempt 1, as a ``DecisionHistory`` keeps it: what every such
/// record shares (attempt 1, `circuit.open`, gave up, breaker open, no time elapsed) is left out.
@usableFromInline
struct BreakerRejection: Sendable {
    /// The open time left: the delay the breaker named.
    @usableFromInline var remaining: Duration
    @usableFromInline var rule: DecisionRecord.Rule
    @usableFromInline var decision: Decision
    /// Whether the verdict named a delay. A rejection's delay, when it has one, is `remaining` (waiting
    /// it out would pass the deadline or the cap), and its source is the breaker.
    @usableFromInline var delayed: Bool
    /// The budget's tokens, when a budget is in use.
    @usableFromInline var budgetLevel: Double?

    @inlinable
    init(remaining: Duration, rule: DecisionRecord.Rule, decision: Decision, delayed: Bool, budgetLevel: Double?) {
        self.remaining = remaining
        self.rule = rule
        self.decision = decision
        self.delayed = delayed
        self.budgetLevel = budgetLevel
    }

    @usableFromInline var record: DecisionRecord {
        DecisionRecord(attempt: 1, kind: .circuitOpen, decision: decision, status: nil, retryAfter: remaining, action: .gaveUp,
                       delay: delayed ? remaining : nil, delaySource: delayed ? .breaker : nil, rule: rule, elapsed: .zero,
                       budgetLevel: budgetLevel, breakerPhase: .open)
    }
}
