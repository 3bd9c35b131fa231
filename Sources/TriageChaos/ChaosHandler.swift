import Foundation
import NIOCore
import NIOPosix

/// Reads HTTP/1.1 requests from raw bytes (``HTTPRequestReader``) and answers them as the
/// ``ChaosState``'s scenario says, one request at a time per connection (keep-alive). Raw bytes, so
/// faults are real socket events.
final class ChaosHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    typealias Request = HTTPRequestReader.Request

    /// The largest request body read (control bodies are small; workload bodies are discarded).
    static let maximumBody = 1 << 20

    private let state: ChaosState
    private let idleTimeout: TimeAmount
    private var reader = HTTPRequestReader(maximumBody: ChaosHandler.maximumBody)
    private var busy = false
    private var holdsSlot = false
    private var queued: Int?
    private var active = true
    private var closeWhenDone = false
    private var idleTimer: Scheduled<Void>?

    init(state: ChaosState, idleTimeout: TimeAmount) {
        self.state = state
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard reader.append(buffer.readableBytesView) else {
            // More pipelined bytes than a request could need while a response is still going out.
            context.close(promise: nil)
            return
        }
        processPending(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        idleTimer?.cancel()
        if let queued {
            // A client that gave up waiting for a slot leaves the queue now, not when its turn comes.
            self.queued = nil
            state.abandon(waiting: queued)
        }
        releaseSlot()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Closes a connection that has not completed a request head within ``idleTimeout`` of opening or
    /// of its last response, however slowly it trickles bytes; one in the middle of a request (latency,
    /// a stall, a queue) is left to its scenario.
    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: idleTimeout) {
            if !self.busy { context.close(promise: nil) }
        }
    }

    // MARK: - Requests

    private func processPending(context: ChannelHandlerContext) {
        while active, !busy {
            switch reader.next() {
            case .needMore:
                return
            case .refuse(let status):
                refuse(status: status, context: context)
                return
            case .request(let request):
                closeWhenDone = request.wantsClose
                busy = true
                if request.path == "/_chaos" || request.path.hasPrefix("/_chaos/") || request.path.hasPrefix("/_chaos?") {
                    ChaosControl.answer(request, state: state) { status, contentType, body in
                        self.respond(status: status, headers: [("Content-Type", contentType)], body: body, context: context)
                    }
                } else {
                    serve(context: context)
                }
            }
        }
    }

    private func refuse(status: Int, context: ChannelHandlerContext) {
        busy = true
        closeWhenDone = true
        reader.discard()
        respond(status: status, headers: [("Connection", "close")], body: "", context: context)
    }

    // MARK: - The scenario

    private func serve(context: ChannelHandlerContext) {
        switch state.admit(on: context.eventLoop) {
        case .admitted(let plan):
            holdsSlot = true
            perform(plan, context: context)
        case .rejected(let status, let retryAfter, let shape):
            respondError(status: status, retryAfter: retryAfter, shape: shape, countStatus: false, context: context)
        case .queued(let ticket, let future):
            queued = ticket
            future.assumeIsolated().whenComplete { result in
                self.queued = nil
                guard case .success(let plan) = result else { return }
                self.holdsSlot = true
                if self.active { self.perform(plan, context: context) } else { self.releaseSlot() }
            }
        }
    }

    private func perform(_ plan: ChaosPlan, context: ChannelHandlerContext) {
        guard plan.latencyMilliseconds > 0 else { return act(plan, context: context) }
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(plan.latencyMilliseconds))) {
            if self.active { self.act(plan, context: context) }
        }
    }

    private func act(_ plan: ChaosPlan, context: ChannelHandlerContext) {
        switch plan.outcome {
        case .ok:
            respond(status: 200, headers: [("Content-Type", "text/plain")], body: "ok\n", count: true, context: context)
        case .error(let status):
            respondError(status: status, retryAfter: plan.retryAfter, shape: plan.errorBody, countStatus: true, context: context)
        case .fault(let fault):
            state.count(fault: fault)
            closeWhenDone = true
            switch fault {
            case .reset:
                Self.reset(context.channel)
            case .close:
                context.close(promise: nil)
            case .truncate:
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
                write(head + String(repeating: "x", count: 10), context: context) { context.close(promise: nil) }
            case .stall:
                break  // the slot stays taken until the client gives up and closes
            }
        }
    }

    private func respondError(status: Int, retryAfter: String?, shape: ChaosErrorBody, countStatus: Bool, context: ChannelHandlerContext) {
        let rendered = shape.render(status: status, retryAfter: retryAfter, requestNumber: Int.random(in: 0..<1 << 32))
        var headers = [("Content-Type", rendered.contentType)]
        if let retryAfter { headers.append(("Retry-After", retryAfter)) }
        respond(status: status, headers: headers, body: rendered.body, count: countStatus, context: context)
    }

    /// Writes a complete response; `count` adds it to the workload's status counts.
    private func respond(status: Int, headers: [(String, String)], body: String, count: Bool = false, context: ChannelHandlerContext) {
        var text = "HTTP/1.1 \(status) \(ReasonPhrase.text(for: status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if closeWhenDone { text += "Connection: close\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        if count { state.count(status: status) }
        write(text, context: context) { self.finished(context: context) }
    }

    private func write(_ text: String, context: ChannelHandlerContext, then: @escaping () -> Void) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).assumeIsolated().whenComplete { _ in then() }
    }

    private func finished(context: ChannelHandlerContext) {
        releaseSlot()
        busy = false
        if closeWhenDone {
            context.close(promise: nil)
        } else if active {
            armIdleTimer(context: context)
            processPending(context: context)
        }
    }

    private func releaseSlot() {
        guard holdsSlot else { return }
        holdsSlot = false
        state.release()
    }

    /// SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    static func reset(_ channel: any Channel) {
        guard let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}
