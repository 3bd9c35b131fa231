import Foundation
import NIOCore

/// Reads an error response's body for decoding: at most a limit, and never past a deadline (a 503 whose
/// body trickles a byte a second must not hold the call beyond its attempt's time).
public enum ErrorBodyReader {
    /// The first `limit` bytes of `body`, or `nil` when the body broke off or `deadline` passed first
    /// (a cut body is not decoded). The read runs in a child task that is cancelled at the deadline.
    public static func read<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int, deadline: NIODeadline) async -> [UInt8]?
    where Body.Element == ByteBuffer {
        let read: @Sendable () async -> [UInt8]? = {
            var bytes: [UInt8] = []
            do {
                for try await var chunk in body {
                    // Cancelled when the deadline passed: stop at the next chunk even if the body
                    // iterator does not notice.
                    if Task.isCancelled { return nil }
                    bytes += chunk.readBytes(length: min(limit - bytes.count, chunk.readableBytes)) ?? []
                    if bytes.count >= limit { break }
                }
            } catch {
                return nil
            }
            return bytes
        }
        if deadline == .distantFuture { return await read() }
        return await withTaskGroup(of: [UInt8]??.self) { group in
            group.addTask { await read() }
            group.addTask {
                let wait = max(0, (deadline - .now()).nanoseconds)
                try? await Task.sleep(nanoseconds: UInt64(wait))
                return .some(nil)
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? nil
        }
    }
}
