import AsyncHTTPClient
import NIOCore
import Triage

/// A response body from ``ResilientHTTPClient``: AsyncHTTPClient's body whose errors are thrown as
/// classified ``Triage/Failure``s (`response.incomplete`, `response.timeout`, `connection.reset`, ...).
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let base: HTTPClientResponse.Body
    let classifier: ClassifierChain

    @usableFromInline
    init(base: HTTPClientResponse.Body, classifier: ClassifierChain) {
        self.base = base
        self.classifier = classifier
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let classifier: ClassifierChain

        public mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch {
                throw classifier.classify(error)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), classifier: classifier)
    }

    /// The whole body, or `response.tooLarge` once it passes `maximumBytes`; when `deadline` has passed
    /// by the time a second or later chunk arrives, a failure of `timeoutKind` (default
    /// `attempt.timeout`, delivery `processed`). A body that arrives in one chunk is returned as that
    /// chunk, without a copy, and costs no clock read.
    public func collect(upTo maximumBytes: Int, deadline: NIODeadline = .distantFuture,
                        timeoutKind: FailureKind = .attemptTimeout) async throws -> ByteBuffer {
        var iterator = makeAsyncIterator()
        guard var collected = try await iterator.next() else { return ByteBuffer() }
        guard collected.readableBytes <= maximumBytes else { throw Self.tooLarge(maximumBytes) }
        while var chunk = try await iterator.next() {
            if deadline != .distantFuture, NIODeadline.now() > deadline {
                throw Triage.Failure(timeoutKind, delivery: .processed, detail: "the body was still arriving at the deadline")
            }
            guard collected.readableBytes + chunk.readableBytes <= maximumBytes else { throw Self.tooLarge(maximumBytes) }
            collected.writeBuffer(&chunk)
        }
        return collected
    }

    static func tooLarge(_ maximumBytes: Int) -> Triage.Failure {
        Triage.Failure(.responseTooLarge, delivery: .processed, detail: "more than \(maximumBytes) bytes")
    }
}

extension FailureKind {
    /// `response.tooLarge`: the response body is larger than the caller allows. Default decision `fail`,
    /// delivery `processed`.
    public static let responseTooLarge = FailureKind(
        id: "response.tooLarge", decision: .fail, delivery: .processed, summary: "response body too large")
}
