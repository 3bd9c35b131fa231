import Logging
import NIOCore
import Synchronization

/// What carries a signed S3 request to a server and brings back its response: AsyncHTTPClient
/// (``S3HTTPClientTransport``) in production, ``S3SimulatedTransport`` in tests that need S3's errors
/// without a server.
///
/// A transport sends exactly once; ``S3Client`` owns retries. Errors it throws are classified by the
/// client's classifier chain (AsyncHTTPClient's and NIO's errors are known).
public protocol S3Transport: Sendable {
    func send(_ request: SigV4Request, body: ByteBuffer?, deadline: NIODeadline, logger: Logger?) async throws -> S3TransportResponse
}

/// A response head and its body, read as it arrives.
public struct S3TransportResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: S3ResponseBody

    public init(status: Int, headers: [(name: String, value: String)], body: S3ResponseBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// A response body: a stream of buffers from the network, or bytes already in memory.
public struct S3ResponseBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public typealias Next = @Sendable () async throws -> ByteBuffer?
    let makeNext: @Sendable () -> Next

    /// A body whose chunks come from `makeNext()`'s function, one call per chunk, `nil` at the end.
    public init(_ makeNext: @escaping @Sendable () -> Next) {
        self.makeNext = makeNext
    }

    /// A body of `bytes`, delivered in one chunk.
    public static func bytes(_ bytes: ByteBuffer) -> S3ResponseBody {
        S3ResponseBody {
            let delivered = ManagedFlag()
            return { delivered.take() ? nil : bytes }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let next: Next
        public mutating func next() async throws -> ByteBuffer? { try await next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(next: makeNext()) }

    /// The whole body; throws ``S3BodyTooLarge`` past `maximumBytes`.
    public func collect(upTo maximumBytes: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in self {
            guard collected.readableBytes + chunk.readableBytes <= maximumBytes else { throw S3BodyTooLarge(limit: maximumBytes) }
            collected.writeBuffer(&chunk)
        }
        return collected
    }
}

/// A response body was longer than the caller allowed.
public struct S3BodyTooLarge: Error, Sendable, CustomStringConvertible {
    public var limit: Int
    public var description: String { "the response body is longer than \(limit) bytes" }
}

/// Set once: the first ``take()`` answers `false`, every later one `true`.
final class ManagedFlag: Sendable {
    private let taken = Atomic(false)
    func take() -> Bool { taken.exchange(true, ordering: .relaxed) }
}
