/// The decision records of one operation, in order.
///
/// The first record is stored inline and the rest only once there are any, so an operation that ends
/// after one attempt (the common case, and every open-breaker rejection) carries its explanation
/// without a heap allocation or a reference to count.
public struct DecisionHistory: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable {
    @usableFromInline var first: DecisionRecord?
    @usableFromInline var rest: [DecisionRecord]?

    public init() {}

    /// A history of one record.
    @inlinable
    public init(_ record: DecisionRecord) { first = record }

    public init(arrayLiteral records: DecisionRecord...) {
        for record in records { append(record) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { first == nil ? 0 : 1 + (rest?.count ?? 0) }

    public subscript(position: Int) -> DecisionRecord {
        precondition(position >= 0 && position < endIndex, "DecisionHistory index out of range")
        return position == 0 ? first! : rest![position - 1]
    }

    public mutating func append(_ record: DecisionRecord) {
        if first == nil {
            first = record
        } else {
            if rest == nil { rest = [record] } else { rest!.append(record) }
        }
    }
}
