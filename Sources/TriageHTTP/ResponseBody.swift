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

    /// The whole body, or `response.tooLarge` once it passes `maximumBytes`; when `deadline` passes
    /// between two chunks, a failure of `timeoutKind` (default `attempt.timeout`, delivery `processed`).
    public func collect(upTo maximumBytes: Int, deadline: NIODeadline = .distantFuture,
                        timeoutKind: FailureKind = .attemptTimeout) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in self {
            guard collected.readableBytes + chunk.readableBytes <= maximumBytes else {
                throw Triage.Failure(.responseTooLarge, delivery: .processed, detail: "more than \(maximumBytes) bytes")
            }
            collected.writeBuffer(&chunk)
            if deadline != .distantFuture, NIODeadline.now() > deadline {
                throw Triage.Failure(timeoutKind, delivery: .processed, detail: "the body was still arriving at the deadline")
            }
        }
        return collected
    }
}

extension FailureKind {
    /// `response.tooLarge`: the response body is larger than the caller allows. Default decision `fail`,
    /// delivery `processed`.
    public static let responseTooLarge = FailureKind(
        id: "response.tooLarge", decision: .fail, delivery: .processed, summary: "response body too large")
}
