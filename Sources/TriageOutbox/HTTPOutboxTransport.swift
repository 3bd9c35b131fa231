import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Triage
import TriageHTTP

extension FailureKind {
    /// `redirect.notFollowed`: the receiver answered a 3xx, and the outbox follows no redirect (a 301,
    /// 302 or 303 would resend the POST as a GET without its body). Default decision `fail`, delivery
    /// `processed`.
    public static let redirectNotFollowed = FailureKind(id: "redirect.notFollowed", decision: .fail, delivery: .processed,
                                                        summary: "a redirect the outbox does not follow")
}

/// Delivers each message as an HTTP POST of its payload to its destination URL over a
/// ``ResilientHTTPClient``; a 2xx delivers it, whatever its body (up to 64 KiB of which is read and
/// dropped within 1 s, so that the connection is kept). A 3xx is a permanent failure: a redirect would turn the
/// POST into a GET without its body.
///
/// Headers sent: the message's own, then `Idempotency-Key: <idempotency key>`, `Triage-Outbox-Key: <key>`,
/// `Triage-Outbox-Seq: <seq>` (its position within its key, from 1).
///
/// One ``send(_:)`` is one attempt: the outbox retries durably, so the client's pipeline should make a
/// single attempt (``onceThrough(attemptTimeout:)``). Failures arrive classified: statuses by
/// `HTTPResponseClassifier` (with Retry-After), transport errors by the client's classifier chain.
public struct HTTPOutboxTransport<C: Clock>: OutboxTransport where C.Duration == Duration {
    public let client: ResilientHTTPClient<C>
    let logger: Logger?

    public init(client: ResilientHTTPClient<C>, logger: Logger? = nil) {
        self.client = client
        self.logger = logger
    }

    public func send(_ message: OutboxRecord) async throws {
        var request = HTTPClientRequest(url: message.destination)
        request.method = .POST
        for header in message.headers { request.headers.add(name: header.name, value: header.value) }
        request.headers.replaceOrAdd(name: "Idempotency-Key", value: message.idempotencyKey)
        request.headers.replaceOrAdd(name: "Triage-Outbox-Key", value: message.key)
        request.headers.replaceOrAdd(name: "Triage-Outbox-Seq", value: String(message.seq))
        // The status decides; the body of a 2xx is drained, not judged (a large, broken or stalled one must
        // not turn a delivered message into a failure, nor hold its sender).
        let status = try await client.execute(request, body: .bytes(message.payload), logger: logger) { response in
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                await Self.drain(response.body, declaredEmpty: response.headers.first(name: "Content-Length") == "0")
            }
            return status
        }
        guard (200..<300).contains(status) else {
            // Other statuses are failures the client classified (thrown above); what is left is a 3xx (or a
            // 1xx AsyncHTTPClient handed back).
            throw Failure((300..<400).contains(status) ? .redirectNotFollowed : .httpClientError, decision: .fail, delivery: .processed, status: status,
                          detail: "HTTP \(status) is not a delivery: the outbox delivers on 2xx and follows no redirect")
        }
    }
}

extension HTTPOutboxTransport {
    /// The longest a 2xx's body is read for (1 s): a receiver that answers and then stalls or trickles
    /// must not hold the sender (AsyncHTTPClient's deadline ends with the response head).
    static var drainLimit: Duration { .seconds(1) }

    /// Reads and drops up to 64 KiB of a 2xx's body within ``drainLimit``, so that AsyncHTTPClient keeps
    /// the connection for the next request: a body left unread closed it (648 new connections for 4,000
    /// loopback requests in one benchmark run). A longer or slower body is left unread, its connection
    /// closed; an error reading it is ignored.
    ///
    /// A body `declaredEmpty` (`Content-Length: 0`) ends with its head, so it cannot stall: its end is
    /// read without the race against the timer, which cost a task group, two tasks and a timer per
    /// delivered message.
    static func drain(_ body: ResponseBody, declaredEmpty: Bool) async {
        if declaredEmpty {
            var iterator = body.makeAsyncIterator()
            _ = try? await iterator.next()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var read = 0
                do {
                    for try await chunk in body {
                        read += chunk.readableBytes
                        if read > 64 << 10 { return }
                    }
                } catch {
                    return
                }
            }
            group.addTask { try? await Task.sleep(for: drainLimit) }
            await group.next()
            group.cancelAll()
        }
    }
}

extension HTTPOutboxTransport where C == ContinuousClock {
    /// A pipeline of one attempt of at most `attemptTimeout` (default 10 s), no breaker, no budget: the
    /// outbox owns the retry loop.
    public static func onceThrough(attemptTimeout: Duration = .seconds(10)) -> Pipeline<ContinuousClock> {
        Pipeline(clock: ContinuousClock(), retry: .never, attemptTimeout: attemptTimeout)
    }

    /// Starts an HTTP client with a one-attempt pipeline, runs `body` with a transport over it, and shuts
    /// the client down afterwards.
    public static func withTransport<Return>(
        attemptTimeout: Duration = .seconds(10),
        logger: Logger? = nil,
        _ body: (HTTPOutboxTransport<ContinuousClock>) async throws -> Return
    ) async throws -> Return {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        // A followed 301/302/303 would resend the POST as a GET without its body, and a 2xx to that GET
        // would count as a delivery.
        configuration.redirectConfiguration = .disallow
        var options = ResilientHTTPClientOptions()
        options.maximumRedirects = nil
        return try await ResilientHTTPClient<ContinuousClock>.withClient(pipeline: onceThrough(attemptTimeout: attemptTimeout),
                                                        configuration: configuration, options: options) { client in
            try await body(HTTPOutboxTransport(client: client, logger: logger))
        }
    }
}
