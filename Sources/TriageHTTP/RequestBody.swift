import AsyncHTTPClient
import NIOCore

/// A request body for ``ResilientHTTPClient``, saying whether it can be sent again.
public enum RequestBody: Sendable {
    /// Bytes held in memory: replayed on every attempt.
    case bytes(ByteBuffer)
    /// A streaming body: sent once. A request with a streaming body is never retried, whatever the
    /// failure, because the stream cannot be read a second time.
    case stream(HTTPClientRequest.Body)

    /// Bytes held in memory, from any byte collection.
    public static func bytes(_ bytes: some Collection<UInt8>) -> RequestBody {
        .bytes(ByteBuffer(bytes: bytes))
    }

    /// A text body, UTF-8.
    public static func text(_ text: String) -> RequestBody {
        .bytes(ByteBuffer(string: text))
    }

    var isReplayable: Bool {
        if case .bytes = self { return true }
        return false
    }

    var httpClientBody: HTTPClientRequest.Body {
        switch self {
        case .bytes(let buffer): .bytes(buffer)
        case .stream(let body): body
        }
    }
}
