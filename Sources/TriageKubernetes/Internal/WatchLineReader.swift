import Foundation
import NIOCore
import Triage

/// Splits a watch stream into lines (`\n`-terminated, `\r` trimmed, empty lines skipped) and reads each
/// as a ``WatchEvent`` where it lies: in the chunk when the line is whole there (no copy of the line),
/// else in the bytes kept from earlier chunks.
struct WatchLineReader {
    private var pending: [UInt8] = []
    /// The longest line accepted (16 MiB): a server that never sends a newline cannot fill memory.
    static let maximumLineLength = 16 << 20

    /// The events of the lines `chunk` completes, in order, appended to `batch`. Reading stops after an
    /// ERROR event (it ends the stream: what follows is not read) and at a line that is not an event,
    /// whose error is returned after the events before it.
    ///
    /// - Throws: a `response.malformed` ``Triage/Failure`` when a line grows past ``maximumLineLength``.
    mutating func read(_ chunk: ByteBuffer, into batch: inout WatchBatch) throws -> KubernetesDecodingError? {
        var failure: KubernetesDecodingError?
        chunk.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            let bytes = UnsafeBufferPointer(start: base, count: raw.count)
            var start = 0
            while start < bytes.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start) {
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if pending.isEmpty {
                    failure = Self.read(UnsafeBufferPointer(rebasing: bytes[start..<newline]), into: &batch)
                } else {
                    pending.append(contentsOf: bytes[start..<newline])
                    failure = pending.withUnsafeBufferPointer { Self.read($0, into: &batch) }
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
                if failure != nil || batch.endsStream { return }
            }
            pending.append(contentsOf: bytes[start...])
        }
        guard pending.count <= Self.maximumLineLength else {
            throw Triage.Failure(.responseMalformed, delivery: .processed, detail: "a watch line longer than 16 MiB")
        }
        return failure
    }

    /// Reads one line (its `\n` already cut off) into `batch`; empty lines are skipped.
    private static func read(_ line: UnsafeBufferPointer<UInt8>, into batch: inout WatchBatch) -> KubernetesDecodingError? {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        guard !line.isEmpty else { return nil }
        do {
            batch.append(try WatchEvent(JSONScanner(bytes: line)))
            return nil
        } catch {
            return error
        }
    }
}
