import NIOCore
import Testing
@testable import TriageKubernetes

/// The line reader and the batch it fills: lines split anywhere across chunks, what a batch counts as it
/// is read, and reading stopping at an ERROR event.
@Suite struct WatchLineReaderTests {
    static let added = #"{"type":"ADDED","object":{"metadata":{"name":"a","namespace":"ns","resourceVersion":"5"},"data":{"v":"\n"}}}"#
    static let bookmark = #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}"#
    // A DELETED whose object carries no resourceVersion: it does not move the stream.
    static let deleted = #"{"type":"DELETED","object":{"metadata":{"name":"a","namespace":"ns"}}}"#
    static let error = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}}"#

    /// Reads `text` as two chunks split at `split`; returns the batches' events and the last batch.
    static func read(_ text: String, splitAt split: Int) throws -> (events: [WatchEvent], batches: [WatchBatch]) {
        let bytes = Array(text.utf8)
        var reader = WatchLineReader()
        var batches: [WatchBatch] = []
        for piece in [bytes[..<split], bytes[split...]] {
            var batch = WatchBatch()
            let malformed = try reader.read(ByteBuffer(bytes: piece), into: &batch)
            #expect(malformed == nil)
            batches.append(batch)
            if batch.endsStream { break }
        }
        return (batches.flatMap(\.events), batches)
    }

    @Test func linesSplitAnywhereAcrossChunksGiveTheSameEvents() throws {
        let text = Self.added + "\r\n\n" + Self.bookmark + "\n" + Self.deleted + "\n"
        let whole = try [Self.added, Self.bookmark, Self.deleted].map { try WatchEvent(line: Array($0.utf8)) }
        for split in 0...text.utf8.count {
            let (events, batches) = try Self.read(text, splitAt: split)
            #expect(events == whole, "split at \(split)")
            #expect(batches.map(\.bookmarks).reduce(0, +) == 1, "split at \(split)")
            #expect(batches.allSatisfy { !$0.endsStream })
        }
    }

    @Test func aBatchsResourceVersionIsItsLastNonEmptyOne() throws {
        var reader = WatchLineReader()
        var batch = WatchBatch()
        _ = try reader.read(ByteBuffer(string: Self.added + "\n" + Self.bookmark + "\n" + Self.deleted + "\n"), into: &batch)
        #expect(batch.events.count == 3)
        #expect(batch.resourceVersion == "7")
        batch.removeAll()
        #expect(batch.isEmpty && batch.bookmarks == 0 && batch.resourceVersion == nil)
        _ = try reader.read(ByteBuffer(string: Self.deleted + "\n"), into: &batch)
        #expect(batch.resourceVersion == nil)
    }

    @Test func readingStopsAtAnErrorEvent() throws {
        var reader = WatchLineReader()
        var batch = WatchBatch()
        _ = try reader.read(ByteBuffer(string: Self.added + "\n" + Self.error + "\n" + Self.bookmark + "\n"), into: &batch)
        #expect(batch.events.count == 2)
        #expect(batch.endsStream)
        #expect(batch.errorStatus?.isResourceExpired == true)
        #expect(batch.bookmarks == 0)
    }

    @Test func aLineThatIsNotAnEventIsReturnedAfterTheEventsBeforeIt() throws {
        var reader = WatchLineReader()
        var batch = WatchBatch()
        let malformed = try reader.read(ByteBuffer(string: Self.added + "\n" + "{\"type\":\"ADDED\"}\n" + Self.bookmark + "\n"), into: &batch)
        #expect(malformed != nil)
        #expect(batch.events.count == 1)
    }
}
