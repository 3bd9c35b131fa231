import Triage
import Foundation
import Logging
import NIOCore

/// A transport that answers from a script instead of a server, so tests can make a client meet S3's
/// errors (a code and status, a throttling burst, a reset, a refused connection) deterministically.
///
/// ```swift
/// let transport = S3SimulatedTransport.failing(3, with: .error(code: "SlowDown", status: 503))
/// let client = S3Client(endpoint: endpoint, credentials: credentials, pipeline: pipeline, transport: transport)
/// ```
public final class S3SimulatedTransport: S3Transport {
    /// What one request meets.
    public enum Reply: Sendable {
        /// A response with `status` and `body`.
        case respond(status: Int = 200, headers: [(name: String, value: String)] = [], body: String = "")
        /// An S3 `<Error>` document with `code` and `status` (and a request id).
        case error(code: String, status: Int, message: String? = nil, headers: [(name: String, value: String)] = [])
        /// The connection is reset (`ECONNRESET`) after the request was sent.
        case reset
        /// The connection is refused (`ECONNREFUSED`): nothing was sent.
        case refused
    }

    private let responder: @Sendable (SigV4Request, Int) -> Reply
    private let log = LockedValue<[SigV4Request]>([])

    /// Answers request `n` (counted from 0) with `responder(request, n)`.
    public init(_ responder: @escaping @Sendable (SigV4Request, Int) -> Reply) {
        self.responder = responder
    }

    /// `replies` in order, then `then` (default a 200) for every later request.
    public static func script(_ replies: [Reply], then: Reply = .respond()) -> S3SimulatedTransport {
        S3SimulatedTransport { _, number in number < replies.count ? replies[number] : then }
    }

    /// The first `count` requests meet `reply`, then every request succeeds.
    public static func failing(_ count: Int, with reply: Reply) -> S3SimulatedTransport {
        script(Array(repeating: reply, count: count))
    }

    /// Every request sent so far, signed as it went out.
    public var requests: [SigV4Request] { log.withLock { $0 } }

    public func send(_ request: SigV4Request, body: ByteBuffer?, deadline: NIODeadline, logger: Logger?) async throws -> S3TransportResponse {
        let number = log.withLock { log in
            log.append(request)
            return log.count - 1
        }
        switch responder(request, number) {
        case .respond(let status, let headers, let body):
            return S3TransportResponse(status: status, headers: headers, body: .bytes(ByteBuffer(string: body)))
        case .error(let code, let status, let message, let headers):
            let id = String(format: "SIM%013ld", number)
            let document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message ?? code)</Message><RequestId>\(id)</RequestId><HostId>simulated</HostId></Error>"
            return S3TransportResponse(status: status, headers: headers + [("x-amz-request-id", id), ("Content-Type", "application/xml")],
                                       body: .bytes(ByteBuffer(string: document)))
        case .reset:
            throw IOError(errnoCode: ECONNRESET, reason: "read(descriptor:pointer:size:)")
        case .refused:
            throw IOError(errnoCode: ECONNREFUSED, reason: "connect")
        }
    }
}
