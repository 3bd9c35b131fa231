/// An ordered list of classifiers; the first one that recognises an error wins.
///
/// Order: your own classifiers first, then the ones for the stacks you use, then the core ones.
/// ``core`` knows ``Failure``, ``ClassifiableError`` and `CancellationError`; the integration modules
/// offer chains that add their stacks (`ClassifierChain.nio`, `.asyncHTTPClient`, `.foundation`).
public struct ClassifierChain: Sendable {
    /// The classifiers, asked in order.
    public var classifiers: [any FailureClassifier]

    /// How deep ``classifyIfKnown(_:)`` follows nested errors before giving up (default 8).
    public var maximumNesting: Int = 8

    public init(_ classifiers: [any FailureClassifier]) {
        self.classifiers = classifiers
    }

    /// The classifiers every chain ends with: already-classified errors, self-classifying errors,
    /// and task cancellation.
    public static let core = ClassifierChain([PassThroughClassifier(), CancellationClassifier()])

    /// A chain that asks `classifier` before the others.
    public func prepending(_ classifier: any FailureClassifier) -> ClassifierChain {
        var copy = self
        copy.classifiers.insert(classifier, at: 0)
        return copy
    }

    /// A chain that asks `other`'s classifiers before this one's.
    public func prepending(_ other: ClassifierChain) -> ClassifierChain {
        var copy = self
        copy.classifiers.insert(contentsOf: other.classifiers, at: 0)
        return copy
    }

    /// A chain that classifies errors of type `E` with `body` before anything else.
    public func registering<E: Error>(_ type: E.Type, _ body: @escaping @Sendable (E) -> Failure?) -> ClassifierChain {
        prepending(TypedClassifier(type, body))
    }

    /// The failure `error` stands for, or `unknown` (decision `fail`) when nothing recognises it.
    /// The returned failure's ``Failure/underlying`` is `error` itself, however deep the match was.
    public func classify(_ error: any Error) -> Failure {
        if let failure = error as? Failure { return failure }
        guard var failure = classifyIfKnown(error) else {
            return Failure(.unknown, underlying: error)
        }
        failure.underlying = error
        return failure
    }

    /// The failure `error` stands for, or `nil` when no classifier recognises it.
    /// Classifiers call this for the errors nested inside the one they unwrap.
    public func classifyIfKnown(_ error: any Error) -> Failure? {
        guard maximumNesting > 0 else { return nil }
        var nested = self
        nested.maximumNesting -= 1
        for classifier in classifiers {
            if let failure = classifier.classify(error, chain: nested) { return failure }
        }
        return nil
    }
}

/// Recognises a ``Failure`` (already classified) and a ``ClassifiableError``.
public struct PassThroughClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        if let failure = error as? Failure { return failure }
        if let own = error as? any ClassifiableError {
            return Failure(own.failureKind, delivery: own.failureDelivery, retryAfter: own.failureRetryAfter, underlying: error)
        }
        return nil
    }
}

/// Recognises `CancellationError` as `cancelled` (decision `stop`).
public struct CancellationClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        guard error is CancellationError else { return nil }
        return Failure(.cancelled, underlying: error, detail: "CancellationError")
    }
}
