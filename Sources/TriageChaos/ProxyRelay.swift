import NIOCore
import NIOPosix

/// Relays the bytes one side of a proxied connection reads to the other side, applying the toxics
/// for its direction. Writes are released in order: each chunk (or slice) at `cursor`, a deadline
/// that only moves forward.
final class ProxyRelay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum Direction { case toUpstream, toClient }

    private let partner: any Channel
    private let direction: Direction
    private let toxics: ProxyToxics?
    private var cursor = NIODeadline.now()
    private var relayed = 0
    private var cut = false
    /// Pieces scheduled and not yet written. While any is, later pieces are scheduled too, even when
    /// their time has passed: a loop starved of CPU must not let a late piece overtake an early one.
    private var pending = 0

    /// `toxics` is `nil` for a connection the toxics spared.
    init(partner: any Channel, direction: Direction, toxics: ProxyToxics?) {
        self.partner = partner
        self.direction = direction
        self.toxics = toxics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !cut else { return }
        guard let toxics else { return partner.writeAndFlush(buffer, promise: nil) }
        if toxics.blackhole { return }
        if toxics.reset, direction == .toUpstream {
            cut = true
            ChaosHandler.reset(context.channel)
            partner.close(promise: nil)
            return
        }
        var closeAfter = false
        if direction == .toClient, let limit = toxics.closeAfterBytes {
            let allowed = max(0, limit - relayed)
            if buffer.readableBytes >= allowed {
                buffer = buffer.getSlice(at: buffer.readerIndex, length: allowed) ?? ByteBuffer()
                closeAfter = true
                cut = true
            }
        }
        relayed += buffer.readableBytes
        let now = NIODeadline.now()
        cursor = max(cursor, now + .milliseconds(Int64(toxics.latencyMilliseconds)))
        var pieces: [ByteBuffer] = [buffer]
        if direction == .toClient, let size = toxics.sliceBytes {
            pieces = []
            while buffer.readableBytes > 0 { pieces.append(buffer.readSlice(length: min(size, buffer.readableBytes))!) }
        }
        for (index, piece) in pieces.enumerated() {
            if index > 0 { cursor = cursor + .milliseconds(Int64(toxics.sliceDelayMilliseconds)) }
            send(piece, at: cursor, context: context)
        }
        if closeAfter {
            let channel = context.channel
            let partner = self.partner
            context.eventLoop.scheduleTask(deadline: cursor) {
                partner.close(promise: nil)
                channel.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let partner = self.partner
        if cursor > .now() {
            context.eventLoop.scheduleTask(deadline: cursor) { partner.close(promise: nil) }
        } else {
            partner.close(promise: nil)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(_ piece: ByteBuffer, at deadline: NIODeadline, context: ChannelHandlerContext) {
        guard pending > 0 || deadline > .now() else { return partner.writeAndFlush(piece, promise: nil) }
        pending += 1
        let partner = self.partner
        // Runs on this channel's loop, like channelRead, so `pending` needs no lock; tasks due at the
        // same time run in the order they were scheduled.
        context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            pending -= 1
            partner.writeAndFlush(piece, promise: nil)
        }
    }
}
