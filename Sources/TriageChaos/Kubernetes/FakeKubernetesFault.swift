/// A fault the fake API server acts out on a watch (or list) request, instead of serving it normally.
public enum FakeKubernetesFault: Sendable, Hashable {
    /// Send the response head, then close at once (no event, terminal chunk sent): fail-fast.
    case instantClose
    /// Send the response head, then nothing: a stalled stream (closed by the server after 10 minutes).
    case stall
    /// Serve normally, then after `seconds` close without the terminal chunk.
    case cutWithoutTerminalChunk(afterSeconds: Double)
    /// Serve normally, then after `seconds` reset the connection (SO_LINGER 0).
    case resetMidStream(afterSeconds: Double)
    /// Answer 429 Too Many Requests with `Retry-After: seconds` and a Status naming the same delay.
    case throttle(retryAfterSeconds: Int)
    /// Answer 200, then one ERROR event with this code (500 InternalError, 504 Timeout) and end.
    case errorEvent(code: Int)
    /// Answer 200, then one ERROR event "too large resource version" (504, ResourceVersionTooLarge).
    case tooLargeResourceVersion
    /// Answer 401 Unauthorized.
    case unauthorized
    /// Answer 403 Forbidden.
    case forbidden
    /// Answer 410 Expired to the next list request that carries a continue token (a compaction
    /// between pages).
    case expiredContinue
    /// Answer the next list request that carries a continue token with an empty page whose continue
    /// token is that same token: a server whose pages loop.
    case loopingContinue
    /// Stream `count` synthetic ADDED events as fast as the connection takes them, then end cleanly
    /// (benchmarks). Each object carries `padding` bytes of data.
    case flood(count: Int, padding: Int)
    /// Answer 200, send the collection's newest object again as a MODIFIED event at the resourceVersion
    /// the watch asked for (an event the client has seen), then end cleanly: a server that replays and
    /// closes, so the stream carries events and no progress.
    case replay
}
