import Foundation
import Testing
@testable import TriageKubernetes

/// Reading watch events, objects and lists from their bytes, well-formed or not.
@Suite struct WatchEventTests {
    @Test func eventKeepsTheObjectsBytesAndReadsItsMetadata() throws {
        let object = #"{ "kind": "ConfigMap", "data": {"a": [1, 2.5e3, true, null, {"x": "}"}]}, "metadata": {"name": "caf\u00e9", "namespace": "ns", "resourceVersion": "42"} }"#
        let event = try WatchEvent(line: Array(#"{"type": "MODIFIED", "object": \#(object)}"#.utf8))
        guard case .modified(let parsed) = event else {
            Issue.record("not MODIFIED: \(event)")
            return
        }
        #expect(parsed.name == "café")
        #expect(parsed.namespace == "ns")
        #expect(parsed.resourceVersion == "42")
        #expect(parsed.json == Array(object.utf8))
        #expect(parsed.key == "ns/café")
    }

    @Test func bookmarkAndErrorEvents() throws {
        let bookmark = try WatchEvent(line: Array(#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"77"}}}"#.utf8))
        #expect(bookmark == .bookmark(resourceVersion: "77"))
        let error = try WatchEvent(line: Array(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old"}}"#.utf8))
        guard case .error(let status) = error else {
            Issue.record("not ERROR")
            return
        }
        #expect(status.isResourceExpired)
    }

    @Test(arguments: [
        #"{"type":"ADDED","object":{"metadata":{"name":"a"}}"#,
        #"{"type":"ADDED"}"#,
        #"{"type":"ADDED","object":[1]}"#,
        #"{"type":"SOMETHING","object":{}}"#,
        #"{"type":"ERROR","object":{"kind":"Pod"}}"#,
        "not json",
    ])
    func malformedLinesAreTypedErrors(line: String) {
        #expect(throws: KubernetesDecodingError.self) { try WatchEvent(line: Array(line.utf8)) }
    }

    @Test func listReadsItemsAndContinue() throws {
        let list = try KubernetesObjectList(json: Array(#"{"kind":"List","metadata":{"resourceVersion":"9","continue":"9:2","remainingItemCount":3},"items":[{"metadata":{"name":"a","resourceVersion":"1"}},{"metadata":{"name":"b","resourceVersion":"2"}}]}"#.utf8))
        #expect(list.items.map(\.name) == ["a", "b"])
        #expect(list.continueToken == "9:2")
        #expect(list.remainingItemCount == 3)
        let empty = try KubernetesObjectList(json: Array(#"{"metadata":{"resourceVersion":"3"},"items":null}"#.utf8))
        #expect(empty.items.isEmpty)
        #expect(throws: KubernetesDecodingError.self) { try KubernetesObjectList(json: Array(#"{"items":[{"metadata":{}}, 5]}"#.utf8)) }
    }
}

/// The scanner's string skipping (the first 16 bytes a word at a time, then `memchr`) against Foundation's JSON
/// parser, which also rejects raw control bytes: the scanner accepts those (``JSONScanner/skipString(_:)``).
@Suite struct JSONScannerStringTests {
    @Test(arguments: [#"""#, #"\\"#, "\u{01}", "\n", "\u{1F}", #"\""#, #"\\\""#, #"\\\\""#, "é", "\u{7F}"])
    func aSpecialByteAtEveryOffsetIsFound(special: String) throws {
        // Past 70 bytes: through the word steps and `memchr`, at every alignment.
        let isControl = special.utf8.contains { $0 < 0x20 }
        for length in 0..<72 {
            for offset in 0...length {
                var text = String(repeating: "a", count: length)
                text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: offset))
                let json = Array(("[\"" + text + "\"]").utf8)
                let foundation = (try? JSONSerialization.jsonObject(with: Data(json))) != nil
                let scanned = JSONScanner.with(json) { $0.skipValue(0) } == json.count
                #expect(scanned == (foundation || isControl), "\(json.map { String(format: "%02x", $0) }.joined())")
            }
        }
    }

    @Test func aRawControlByteInDataIsKeptButNotDecoded() throws {
        let data = String(repeating: "x", count: 40) + "\u{01}\t" + String(repeating: "y", count: 40)
        let object = #"{"metadata":{"name":"a","namespace":"n","resourceVersion":"7"},"data":{"k":"\#(data)"}}"#
        let event = try WatchEvent(line: Array(#"{"type":"ADDED","object":\#(object)}"#.utf8))
        guard case .added(let parsed) = event else {
            Issue.record("not ADDED: \(event)")
            return
        }
        #expect(parsed.json == Array(object.utf8))
        #expect(parsed.resourceVersion == "7")
        struct ConfigMap: Decodable { var data: [String: String] }
        #expect(throws: (any Error).self) { try parsed.decode(ConfigMap.self) }
    }

    @Test(arguments: ["name", "namespace", "resourceVersion"])
    func aRawControlByteInTheKeyOrVersionIsATypedError(field: String) {
        var metadata = ["name": "a", "namespace": "n", "resourceVersion": "7"]
        metadata[field] = "a\u{01}b"
        let members = metadata.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",")
        let line = #"{"type":"ADDED","object":{"metadata":{\#(members)}}}"#
        #expect(throws: KubernetesDecodingError.self) { try WatchEvent(line: Array(line.utf8)) }
    }
}
