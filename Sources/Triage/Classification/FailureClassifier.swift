/// Recognises some errors and says what they were.
///
/// A classifier must never throw and should not allocate when it recognises an error: build the
/// ``Failure`` with string-literal details. Errors nest (a connection error holds a DNS error, an
/// `NSError` holds `NSUnderlyingError`): a classifier that unwraps one asks `chain` about the inner error.
public protocol FailureClassifier: Sendable {
    /// The failure `error` stands for, or `nil` when this classifier does not know the error.
    func classify(_ error: any Error, chain: ClassifierChain) -> Failure?
}

/// An error type of your own that knows its kind: Triage asks it before any built-in classifier.
///
/// ```swift
/// struct QuotaExceeded: ClassifiableError {
///     var failureKind: FailureKind { .httpThrottled }
///     var failureRetryAfter: Duration? { .seconds(30) }
/// }
/// ```
public protocol ClassifiableError: Error {
    /// The kind of this error.
    var failureKind: FailureKind { get }
    /// The delivery state; defaults to the kind's.
    var failureDelivery: Delivery? { get }
    /// A delay to wait before retrying; defaults to none.
    var failureRetryAfter: Duration? { get }
}

extension ClassifiableError {
    public var failureDelivery: Delivery? { nil }
    public var failureRetryAfter: Duration? { nil }
}

/// Classifies errors of one type with a closure: how to teach Triage about a foreign error type.
public struct TypedClassifier<E: Error>: FailureClassifier {
    private let body: @Sendable (E) -> Failure?

    /// `body` returns `nil` for values it does not recognise, so later classifiers get a chance.
    public init(_ type: E.Type = E.self, _ body: @escaping @Sendable (E) -> Failure?) {
        self.body = body
    }

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        guard let typed = error as? E else { return nil }
        return body(typed)
    }
}
