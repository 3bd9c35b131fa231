import NIOCore

/// The TCP transport's wire format: every frame is a 4-byte big-endian length, then that many bytes.
///
/// A message frame: type `1`, the message id, idempotency key and key (each a 2-byte length and UTF-8),
/// the 8-byte seq, then the payload to the end of the frame. An ack frame: type `2`, the message id, and a
/// status byte (`0` accepted, `1` rejected for good: the sender dead-letters the message).
public enum OutboxFrame: Sendable, Hashable {
    case message(id: String, idempotencyKey: String, key: String, seq: Int64, payload: [UInt8])
    case ack(id: String, accepted: Bool)

    /// The largest frame either side accepts: 16 MiB.
    public static let maximumLength = 16 << 20

    /// The length of the frame after its 4-byte length prefix.
    public var bodyLength: Int {
        switch self {
        case .message(let id, let idempotencyKey, let key, _, let payload):
            1 + [id, idempotencyKey, key].reduce(0) { $0 + 2 + min($1.utf8.count, Int(UInt16.max)) } + 8 + payload.count
        case .ack(let id, _):
            1 + 2 + min(id.utf8.count, Int(UInt16.max)) + 1
        }
    }

    /// Appends the frame, its length first, to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        switch self {
        case .message(let id, let idempotencyKey, let key, let seq, let payload):
            buffer.writeInteger(UInt8(1))
            for text in [id, idempotencyKey, key] { Self.writeString(text, to: &buffer) }
            buffer.writeInteger(seq)
            buffer.writeBytes(payload)
        case .ack(let id, let accepted):
            buffer.writeInteger(UInt8(2))
            Self.writeString(id, to: &buffer)
            buffer.writeInteger(UInt8(accepted ? 0 : 1))
        }
        buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
    }

    /// Reads one frame's body (its length already taken off); `nil` when it is malformed.
    public static func read(body: inout ByteBuffer) -> OutboxFrame? {
        switch body.readInteger(as: UInt8.self) {
        case 1:
            guard let id = readString(&body), let idempotencyKey = readString(&body), let key = readString(&body),
                  let seq = body.readInteger(as: Int64.self) else { return nil }
            return .message(id: id, idempotencyKey: idempotencyKey, key: key, seq: seq,
                            payload: body.readBytes(length: body.readableBytes) ?? [])
        case 2:
            guard let id = readString(&body), let status = body.readInteger(as: UInt8.self), body.readableBytes == 0 else { return nil }
            return .ack(id: id, accepted: status == 0)
        default:
            return nil
        }
    }

    private static func writeString(_ text: String, to buffer: inout ByteBuffer) {
        let bytes = Array(text.utf8.prefix(Int(UInt16.max)))
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
    }

    private static func readString(_ buffer: inout ByteBuffer) -> String? {
        guard let length = buffer.readInteger(as: UInt16.self), let bytes = buffer.readBytes(length: Int(length)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Splits a byte stream into ``OutboxFrame``s; a malformed or oversized frame is an error that closes
/// the connection.
struct OutboxFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = OutboxFrame

    struct MalformedFrame: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= OutboxFrame.maximumLength else { throw MalformedFrame() }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard var body = buffer.readSlice(length: Int(length)), let frame = OutboxFrame.read(body: &body) else { throw MalformedFrame() }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}
