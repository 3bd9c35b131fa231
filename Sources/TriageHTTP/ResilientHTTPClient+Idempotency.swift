import AsyncHTTPClient
import NIOHTTP1

extension ResilientHTTPClient {
    /// The methods RFC 9110 calls idempotent: GET, HEAD, PUT, DELETE, OPTIONS, TRACE.
    public static var idempotentMethods: [HTTPMethod] { [.GET, .HEAD, .PUT, .DELETE, .OPTIONS, .TRACE] }

    /// Whether `method` is one of ``idempotentMethods`` (without building the list).
    static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS, .TRACE: true
        default: false
        }
    }

    /// A request ready to send, and what may be done with it after a failure.
    @usableFromInline
    struct PreparedRequest: Sendable {
        @usableFromInline var request: HTTPClientRequest
        /// It may be resent after a `maybeProcessed` failure.
        @usableFromInline var idempotent: Bool
        /// Its body can be sent again.
        @usableFromInline var replayable: Bool
    }

    /// Sets the body, adds a generated idempotency key when asked to, and decides whether the request
    /// may be resent: an idempotent method, or an idempotency key that is not empty.
    @usableFromInline
    func prepare(_ request: HTTPClientRequest, body: RequestBody?) -> PreparedRequest {
        var request = request
        var replayable = request.body == nil
        if let body {
            request.body = body.httpClientBody
            replayable = body.isReplayable
        }
        var idempotent = Self.isIdempotent(request.method)
        if !idempotent {
            // An empty value is no key: the server has nothing to recognise a resend by.
            if request.headers[options.idempotencyKeyHeader].contains(where: { !$0.allSatisfy(\.isWhitespace) }) {
                idempotent = true
            } else if options.generatesIdempotencyKeys, request.method == .POST || request.method == .PATCH {
                request.headers.add(name: options.idempotencyKeyHeader, value: Self.randomKey())
                idempotent = true
            }
        }
        return PreparedRequest(request: request, idempotent: idempotent, replayable: replayable)
    }

    /// 128 random bits as 32 lowercase hex digits.
    static func randomKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return hex(high) + hex(low)
    }
}
