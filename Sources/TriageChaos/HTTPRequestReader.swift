/// Reads HTTP/1.1 requests out of the bytes a connection delivers, for the chaos servers: raw bytes,
/// so that faults stay socket events, with every limit a hostile client could push on.
///
/// - The head (request line and headers) may take at most ``maximumHead`` bytes (64 KiB); more is
///   `431`. Each read scans only the bytes it added (the scan resumes 3 bytes back, for a `\r\n\r\n`
///   split across reads): a head sent a byte at a time costs linear time, not quadratic.
/// - `Content-Length` must be digits only and at most `maximumBody` (`413` above it, `400` when
///   negative, not a number, or given twice with different values); a `Transfer-Encoding` other than
///   `identity` is `411` (no fault needs a chunked request body).
/// - The request line must be `METHOD TARGET HTTP/1.x` with an upper-case token method (`400`).
/// - Bytes buffered beyond a complete request (pipelined requests) are capped at
///   ``maximumBuffered``: ``append(_:)`` returns `false` when a client sends more than that while
///   the server is still answering, and the connection should be closed.
struct HTTPRequestReader {
    /// One request read.
    struct Request: Sendable {
        var method: String
        /// The request target as sent (`/path?query`).
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// `Connection: close`, or HTTP/1.0 without keep-alive.
        var wantsClose: Bool

        /// The first value of header `name` (case-insensitive).
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
    }

    enum Next {
        /// More bytes are needed.
        case needMore
        case request(Request)
        /// Not a request this server can read: answer this status and close.
        case refuse(status: Int)
    }

    /// The largest request head (64 KiB).
    static let maximumHead = 64 << 10

    /// The largest request body read.
    let maximumBody: Int
    private var buffer: [UInt8] = []
    private var scanned = 0
    /// Start positions compared in all, for the test that scanning is linear.
    private(set) var positionsScanned = 0

    init(maximumBody: Int) {
        self.maximumBody = maximumBody
    }

    /// The most bytes held at once: a full head and body, and as much again pipelined behind them.
    var maximumBuffered: Int { 2 * (Self.maximumHead + maximumBody) }

    /// Bytes received and not yet read as a request.
    var buffered: Int { buffer.count }

    /// Adds bytes from the connection; `false` when more than ``maximumBuffered`` would be held.
    mutating func append(_ bytes: some Collection<UInt8>) -> Bool {
        guard buffer.count + bytes.count <= maximumBuffered else { return false }
        buffer.append(contentsOf: bytes)
        return true
    }

    /// Drops everything buffered (after a refusal).
    mutating func discard() {
        buffer = []
        scanned = 0
    }

    /// The next complete request, a refusal, or `needMore`.
    mutating func next() -> Next {
        // Not HTTP (a TLS ClientHello sent to a plain port, say): answer as real servers do.
        if let first = buffer.first, !(65...90).contains(first) { return .refuse(status: 400) }
        guard let end = headEnd() else {
            return buffer.count > Self.maximumHead ? .refuse(status: 431) : .needMore
        }
        guard end <= Self.maximumHead else { return .refuse(status: 431) }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), !requestLine[1].isEmpty,
              requestLine[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0 == "-") }), !requestLine[0].isEmpty
        else { return .refuse(status: 400) }
        var headers: [(name: String, value: String)] = []
        var length: Int?
        var wantsClose = requestLine[2] == "HTTP/1.0"
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { return .refuse(status: 400) }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimming(" \t")
            headers.append((name, value))
            switch name.lowercased() {
            case "content-length":
                guard !value.isEmpty, value.utf8.count <= 18, value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(value)
                else { return .refuse(status: 400) }
                if let length, length != number { return .refuse(status: 400) }
                guard number <= maximumBody else { return .refuse(status: 413) }
                length = number
            case "transfer-encoding" where value.lowercased() != "identity":
                return .refuse(status: 411)
            case "connection":
                let tokens = value.lowercased().split(separator: ",").map { String($0).trimming(" \t") }
                if tokens.contains("close") { wantsClose = true } else if tokens.contains("keep-alive") { wantsClose = false }
            default:
                break
            }
        }
        let total = end + 4 + (length ?? 0)
        guard buffer.count >= total else { return .needMore }
        let body = Array(buffer[(end + 4)..<total])
        buffer.removeFirst(total)
        scanned = 0
        return .request(Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers,
                                body: body, wantsClose: wantsClose))
    }

    /// Where `\r\n\r\n` starts, scanning only start positions not scanned before (`scanned` is the
    /// first position whose four bytes were not all there yet).
    private mutating func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        var index = scanned
        let limit = min(buffer.count, Self.maximumHead + 4) - 4
        while index <= limit {
            positionsScanned += 1
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 { return index }
            index += 1
        }
        scanned = limit + 1
        return nil
    }
}

extension String {
    /// The string without leading and trailing characters of `set` (Foundation-free).
    func trimming(_ set: String) -> String {
        let characters = Set(set)
        let start = firstIndex { !characters.contains($0) } ?? endIndex
        let end = lastIndex { !characters.contains($0) }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }
}
