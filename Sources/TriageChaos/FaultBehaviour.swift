import NIOCore

/// What a ``FaultServer`` does with a request. Every behaviour is a real socket-level event.
public enum FaultBehaviour: Sendable {
    /// A complete response (keep-alive), e.g. `.respond(status: 503, headers: [("Retry-After", "2")])`.
    case respond(status: Int, headers: [(String, String)] = [], body: String = "")
    /// Read the request, then close cleanly (FIN) without answering.
    case closeAfterRequest
    /// Read the request, then reset the connection (SO_LINGER 0: RST).
    case resetAfterRequest
    /// Close as soon as the connection is accepted, before reading anything.
    case closeOnAccept
    /// Read the request and never answer (the client's read timeout fires).
    case stall
    /// Send the head with `Content-Length: declared`, then `sent` bytes of body, then close.
    case truncatedBody(declared: Int = 100, sent: Int = 10)
    /// Send a chunked head and one chunk, then nothing more (a stalled stream).
    case chunkedStall
    /// Send a chunked head and one chunk, then close without the final chunk.
    case chunkedEndsWithFIN
    /// Send a chunked head and one chunk, then reset.
    case chunkedEndsWithReset
    /// Answer with bytes that are not HTTP.
    case garbage
    /// Send the status line and part of the headers, then close (FIN) inside the response head.
    case headCutShort
    /// `302` between `/loop/a` and `/loop/b` forever.
    case redirectLoop
    /// `302` from `/chain/N` to `/chain/N+1` forever.
    case redirectChain
    /// A chunked stream of `events` newline-terminated JSON lines, one every `interval`, then the end.
    case stream(events: Int, interval: TimeAmount)
    /// Send a head with `status` and a `Content-Length` of 1 MiB, then one body byte every `interval`
    /// (a body that trickles in and never ends in reasonable time; the read timeout never fires).
    case trickleBody(status: Int, interval: TimeAmount)
    /// Choose the behaviour by the request (method and path).
    case route(@Sendable (_ method: String, _ path: String) -> FaultBehaviour)
    /// Choose the behaviour by the whole request: method, path, headers and body (to check what a
    /// client sent, e.g. which headers followed a redirect).
    case routeRequest(@Sendable (FaultRequest) -> FaultBehaviour)
}

/// A request as a ``FaultServer`` read it.
public struct FaultRequest: Sendable {
    /// The method, e.g. `GET`.
    public var method: String
    /// The request target as sent, e.g. `/items?id=1`.
    public var path: String
    /// The header fields in the order sent.
    public var headers: [(name: String, value: String)]
    /// The body (`Content-Length` bytes).
    public var body: [UInt8]

    /// The first value of header `name` (case-insensitive), if sent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The status line texts the servers use.
enum ReasonPhrase {
    static func text(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 410: "Gone"
        case 412: "Precondition Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
