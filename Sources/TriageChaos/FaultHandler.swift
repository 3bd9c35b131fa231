import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Reads request heads from raw bytes and acts out a ``FaultBehaviour`` on the socket.
final class FaultHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: FaultBehaviour
    private let counter: NIOLockedValueBox<Int>
    private let idleTimeout: TimeAmount
    private var reader = HTTPRequestReader(maximumBody: 16 << 20)
    private var busy = false
    private var idleTimer: Scheduled<Void>?

    init(behaviour: FaultBehaviour, counter: NIOLockedValueBox<Int>, idleTimeout: TimeAmount) {
        self.behaviour = behaviour
        self.counter = counter
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .closeOnAccept = behaviour { context.close(promise: nil) }
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard reader.append(buffer.readableBytesView) else {
            // More pipelined bytes than a request could need while a response is still going out.
            context.close(promise: nil)
            return
        }
        handlePending(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Closes a connection that has not completed a request head within ``idleTimeout`` of opening
    /// or of its last response, however slowly it trickles bytes.
    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: idleTimeout) {
            if !self.busy { context.close(promise: nil) }
        }
    }

    private func handlePending(context: ChannelHandlerContext) {
        while !busy {
            switch reader.next() {
            case .needMore:
                return
            case .refuse(let status):
                busy = true
                reader.discard()
                write(Self.response(status: status, headers: [("Connection", "close")], body: ""), context: context, thenClose: true)
                return
            case .request(let head):
                counter.withLockedValue { $0 += 1 }
                let request = FaultRequest(method: head.method, path: head.path, headers: head.headers, body: head.body)
                act(resolve(behaviour, request: request), path: head.path, context: context)
                armIdleTimer(context: context)
            }
        }
    }

    private func resolve(_ behaviour: FaultBehaviour, request: FaultRequest) -> FaultBehaviour {
        switch behaviour {
        case .route(let choose): resolve(choose(request.method, request.path), request: request)
        case .routeRequest(let choose): resolve(choose(request), request: request)
        default: behaviour
        }
    }

    private func act(_ behaviour: FaultBehaviour, path: String, context: ChannelHandlerContext) {
        switch behaviour {
        case .respond(let status, let headers, let body):
            write(Self.response(status: status, headers: headers, body: body), context: context)
        case .closeAfterRequest, .closeOnAccept:
            busy = true
            context.close(promise: nil)
        case .resetAfterRequest:
            busy = true
            reset(context: context)
        case .stall:
            busy = true
        case .truncatedBody(let declared, let sent):
            busy = true
            let head = "HTTP/1.1 200 OK\r\nContent-Length: \(declared)\r\nContent-Type: text/plain\r\n\r\n"
            write(head + String(repeating: "x", count: min(sent, declared)), context: context, thenClose: true)
        case .chunkedStall, .chunkedEndsWithFIN, .chunkedEndsWithReset:
            busy = true
            let start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\nhello\r\n"
            if case .chunkedEndsWithReset = behaviour {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: start))).whenComplete { _ in self.reset(context: context) }
            } else {
                write(start, context: context, thenClose: { if case .chunkedEndsWithFIN = behaviour { true } else { false } }())
            }
        case .garbage:
            busy = true
            write("SSH-2.0-OpenSSH_9.2 not http at all\r\n\r\n", context: context, thenClose: true)
        case .headCutShort:
            busy = true
            write("HTTP/1.1 200 OK\r\nContent-Type: text/pl", context: context, thenClose: true)
        case .redirectLoop:
            let next = path.hasSuffix("/a") ? "/loop/b" : "/loop/a"
            write(Self.response(status: 302, headers: [("Location", next)], body: ""), context: context)
        case .redirectChain:
            let current = Int(path.split(separator: "/").last ?? "0") ?? 0
            write(Self.response(status: 302, headers: [("Location", "/chain/\(current + 1)")], body: ""), context: context)
        case .stream(let events, let interval):
            busy = true
            write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n", context: context)
            sendEvents(remaining: events, number: 1, interval: interval, context: context)
        case .trickleBody(let status, let interval):
            busy = true
            write("HTTP/1.1 \(status) \(ReasonPhrase.text(for: status))\r\nContent-Type: application/json\r\nContent-Length: \(1 << 20)\r\n\r\n", context: context)
            trickle(remaining: 1 << 20, interval: interval, context: context)
        case .route, .routeRequest:
            break  // resolved before acting
        }
    }

    private func sendEvents(remaining: Int, number: Int, interval: TimeAmount, context: ChannelHandlerContext) {
        guard remaining > 0 else {
            write("0\r\n\r\n", context: context, thenClose: true)
            return
        }
        context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: interval) {
            let line = "{\"type\":\"ADDED\",\"n\":\(number)}\n"
            self.write(String(line.utf8.count, radix: 16) + "\r\n" + line + "\r\n", context: context)
            self.sendEvents(remaining: remaining - 1, number: number + 1, interval: interval, context: context)
        }
    }

    private func trickle(remaining: Int, interval: TimeAmount, context: ChannelHandlerContext) {
        guard remaining > 0, context.channel.isActive else { return }
        context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: interval) {
            self.write("{", context: context)
            self.trickle(remaining: remaining - 1, interval: interval, context: context)
        }
    }

    static func response(status: Int, headers: [(String, String)], body: String) -> String {
        var text = "HTTP/1.1 \(status) \(ReasonPhrase.text(for: status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n"
        return text + body
    }

    private func write(_ text: String, context: ChannelHandlerContext, thenClose: Bool = false) {
        let future = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)))
        if thenClose { future.whenComplete { _ in context.close(promise: nil) } }
    }

    /// SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    private func reset(context: ChannelHandlerContext) {
        let channel = context.channel
        guard let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}
