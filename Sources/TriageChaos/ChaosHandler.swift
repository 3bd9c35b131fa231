import Foundation
import NIOCore
import NIOPosix

/// Reads HTTP/1.1 requests from raw bytes and answers them as the ``ChaosState``'s scenario says,
/// one request at a time per connection (keep-alive). Raw bytes, so faults are real socket events.
final class ChaosHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Request {
        var method: String
        var path: String
        var body: [UInt8]
        var wantsClose: Bool
    }

    /// The largest request body read (control bodies are small; workload bodies are discarded).
    static let maximumBody = 1 << 20

    private let state: ChaosState
    private var pending: [UInt8] = []
    private var busy = false
    private var holdsSlot = false
    private var active = true
    private var closeWhenDone = false

    init(state: ChaosState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        processPending(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        releaseSlot()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: - Requests

    private func processPending(context: ChannelHandlerContext) {
        while active, !busy, let request = nextRequest(context: context) {
            closeWhenDone = request.wantsClose
            busy = true
            if request.path == "/_chaos" || request.path.hasPrefix("/_chaos/") {
                ChaosControl.answer(request, state: state) { status, contentType, body in
                    self.respond(status: status, headers: [("Content-Type", contentType)], body: body, context: context)
                }
            } else {
                serve(context: context)
            }
        }
    }

    /// The next complete request in `pending`, or `nil` when more bytes are needed.
    private func nextRequest(context: ChannelHandlerContext) -> Request? {
        guard let end = headEnd() else {
            if pending.count > 64 << 10 { refuse(status: 431, context: context) }
            return nil
        }
        let head = String(decoding: pending[..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            refuse(status: 400, context: context)
            return nil
        }
        var length = 0
        var wantsClose = parts[2] == "HTTP/1.0"
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].lowercased(), value = pair[1].trimmingCharacters(in: .whitespaces).lowercased()
            if name == "content-length" { length = Int(value) ?? -1 }
            if name == "transfer-encoding", value != "identity" { length = -2 }
            if name == "connection" { wantsClose = value == "close" }
        }
        guard length >= 0, length <= Self.maximumBody else {
            refuse(status: length == -2 ? 411 : 413, context: context)
            return nil
        }
        guard pending.count >= end + 4 + length else { return nil }
        let body = Array(pending[(end + 4)..<(end + 4 + length)])
        pending.removeFirst(end + 4 + length)
        return Request(method: String(parts[0]), path: String(parts[1]), body: body, wantsClose: wantsClose)
    }

    private func headEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for index in 0...(pending.count - 4)
        where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13 && pending[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func refuse(status: Int, context: ChannelHandlerContext) {
        busy = true
        closeWhenDone = true
        pending = []
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
        case .queued(let future):
            future.assumeIsolated().whenComplete { result in
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
