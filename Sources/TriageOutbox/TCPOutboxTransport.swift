import NIOCore
import NIOPosix
import Triage
import TriageNIO

/// Delivers messages as length-prefixed frames (``OutboxFrame``) over one TCP connection; the receiver
/// acknowledges each message by id (``TCPOutboxReceiver``).
///
/// The connection is kept up by ``withTransport(host:port:backoff:acknowledgementTimeout:group:_:)``:
/// it reconnects with `backoff` after a loss and reports every change in ``connectionEvents``, so the
/// outbox resends whatever was not acknowledged the moment the link is back. A message sent while no
/// connection is up fails at once with the last connection failure (`connect.refused`, ...); one whose
/// connection drops before its ack fails as `connection.reset` (maybe processed: the receiver
/// deduplicates); no ack within `acknowledgementTimeout` (default 10 s) is `response.timeout`.
public final class TCPOutboxTransport: OutboxTransport {
    public let host: String
    public let port: Int
    let backoff: Backoff
    let acknowledgementTimeout: Duration
    let group: any EventLoopGroup
    let state = LockedValue(State())
    public let connectionEvents: AsyncStream<OutboxConnectionEvent>
    let events: AsyncStream<OutboxConnectionEvent>.Continuation

    struct State {
        var channel: (any Channel)?
        var lastFailure = Failure(.connectRefused, detail: "not connected yet")
        var waiting: [String: CheckedContinuation<Bool, any Error>] = [:]
        /// The first connection attempt has ended (connected or failed).
        var attempted = false
        var attemptWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(host: String, port: Int, backoff: Backoff, acknowledgementTimeout: Duration, group: any EventLoopGroup) {
        self.host = host
        self.port = port
        self.backoff = backoff
        self.acknowledgementTimeout = acknowledgementTimeout
        self.group = group
        (connectionEvents, events) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(16))
    }

    /// Connects to `host:port` (loopback), keeps the connection up while `body` runs, then closes it.
    ///
    /// - Parameter backoff: the wait between reconnection attempts; default full jitter from 100 ms to 5 s.
    public static func withTransport<Return>(
        host: String = "127.0.0.1", port: Int,
        backoff: Backoff = Backoff(.fullJitter, base: .milliseconds(100), cap: .seconds(5)),
        acknowledgementTimeout: Duration = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (TCPOutboxTransport) async throws -> Return
    ) async throws -> Return {
        let transport = TCPOutboxTransport(host: host, port: port, backoff: backoff, acknowledgementTimeout: acknowledgementTimeout, group: group)
        let keeper = Task { await transport.keepConnected() }
        defer {
            keeper.cancel()
            transport.events.finish()
        }
        // The body starts once the first connection attempt has ended, so that its first sends meet a
        // connection or that attempt's failure (not a "not connected yet" stand-in).
        await transport.firstAttempt()
        let result = try await body(transport)
        keeper.cancel()
        await keeper.value
        return result
    }

    public func send(_ message: OutboxRecord) async throws {
        guard let channel = state.withLock({ $0.channel }) else { throw state.withLock { $0.lastFailure } }
        let id = message.id
        let frame = OutboxFrame.message(id: id, idempotencyKey: message.idempotencyKey, key: message.key, seq: message.seq,
                                        payload: message.payload)
        // A frame the receiver would refuse (it closes the connection) can never be delivered: dead-letter it
        // rather than reset every other message in flight on each attempt.
        guard frame.bodyLength <= OutboxFrame.maximumLength else {
            throw Failure(.requestInvalid, decision: .fail, delivery: .notSent,
                          detail: "a frame of \(frame.bodyLength) bytes is over the \(OutboxFrame.maximumLength)-byte limit")
        }
        let timeout = acknowledgementTimeout
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await self.acknowledgement(of: id, sending: frame, on: channel) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(.responseTimeout, detail: "no acknowledgement within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        if !accepted { throw Failure(.httpInvalid, delivery: .processed, detail: "the receiver rejected the message") }
    }

    /// Writes the frame and waits for its ack; a lost connection fails every waiting message.
    private func acknowledgement(of id: String, sending frame: OutboxFrame, on channel: any Channel) async throws -> Bool {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                state.withLock { $0.waiting[id] = continuation }
                var buffer = channel.allocator.buffer(capacity: 64)
                frame.write(to: &buffer)
                channel.writeAndFlush(buffer).whenFailure { error in
                    self.resolve(id, with: .failure(Failure(.connectionReset, delivery: .maybeProcessed, underlying: error, detail: "write failed")))
                }
            }
        } onCancel: {
            self.resolve(id, with: .failure(CancellationError()))
        }
    }

    func resolve(_ id: String, with result: Result<Bool, any Error>) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(with: result)
    }

    /// Returns once the first connection attempt has ended.
    func firstAttempt() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if !state.attempted { state.attemptWaiters.append(continuation) }
                return state.attempted
            }
            if done { continuation.resume() }
        }
    }

    /// Marks the first connection attempt as ended and wakes whoever waits for it.
    private func attemptEnded() {
        let waiters = state.withLock { state in
            state.attempted = true
            defer { state.attemptWaiters = [] }
            return state.attemptWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Connects, waits for the connection to close, reconnects after a backoff; until cancelled.
    func keepConnected() async {
        defer { attemptEnded() }
        var failures = 0
        var generator = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            do {
                let channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(2))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(OutboxFrameDecoder()))
                            try channel.pipeline.syncOperations.addHandler(AcknowledgementHandler(transport: self))
                        }
                    }
                    .connect(host: host, port: port).get()
                failures = 0
                state.withLock { $0.channel = channel }
                events.yield(.connected)
                attemptEnded()
                await withTaskCancellationHandler {
                    try? await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
                let lost = state.withLock { state -> [CheckedContinuation<Bool, any Error>] in
                    state.channel = nil
                    state.lastFailure = Failure(.connectionReset, detail: "connection lost")
                    defer { state.waiting = [:] }
                    return Array(state.waiting.values)
                }
                for continuation in lost {
                    continuation.resume(throwing: Failure(.connectionReset, delivery: .maybeProcessed, detail: "connection lost before the ack"))
                }
                events.yield(.disconnected)
            } catch {
                failures += 1
                state.withLock { $0.lastFailure = ClassifierChain.nio.classify(error) }
                attemptEnded()
                let delay = backoff.delay(retry: failures, previous: nil, using: &generator).delay
                try? await Task.sleep(for: delay)
            }
        }
    }
}

/// Hands each ack frame to the transport.
private final class AcknowledgementHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = OutboxFrame
    let transport: TCPOutboxTransport

    init(transport: TCPOutboxTransport) { self.transport = transport }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .ack(let id, let accepted) = unwrapInboundIn(data) { transport.resolve(id, with: .success(accepted)) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
