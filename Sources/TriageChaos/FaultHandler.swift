import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Reads request heads from raw bytes and acts out a ``FaultBehaviour`` on the socket.
final class FaultHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: FaultBehaviour
    private let counter: NIOLockedValueBox<Int>
    private var pending: [UInt8] = []
    private var busy = false

    init(behaviour: FaultBehaviour, counter: NIOLockedValueBox<Int>) {
        self.behaviour = behaviour
        self.counter = counter
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .closeOnAccept = behaviour { context.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        handlePending(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handlePending(context: ChannelHandlerContext) {
        // Not HTTP (a TLS ClientHello sent to a plain port, say): answer as real servers do.
        if !busy, let first = pending.first, !(65...90).contains(first) {
            busy = true
            write(Self.response(status: 400, headers: [("Connection", "close")], body: ""), context: context, thenClose: true)
            return
        }
        while !busy, let end = headEnd() {
            let head = String(decoding: pending[..<end], as: UTF8.self)
            let bodyLength = Self.contentLength(head)
            guard pending.count >= end + 4 + bodyLength else { return }
            pending.removeFirst(end + 4 + bodyLength)
            counter.withLockedValue { $0 += 1 }
            let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
            let parts = requestLine.split(separator: " ")
            let method = parts.first.map(String.init) ?? "GET"
            let path = parts.count > 1 ? String(parts[1]) : "/"
            act(resolve(behaviour, method: method, path: path), path: path, context: context)
        }
    }

    private func resolve(_ behaviour: FaultBehaviour, method: String, path: String) -> FaultBehaviour {
        if case .route(let choose) = behaviour { return resolve(choose(method, path), method: method, path: path) }
        return behaviour
    }

    private func headEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for index in 0...(pending.count - 4)
        where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13 && pending[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func contentLength(_ head: String) -> Int {
        for line in head.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "content-length" {
                return min(Int(pair[1].filter { $0 != " " }) ?? 0, 16 << 20)
            }
        }
        return 0
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
        case .route:
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
