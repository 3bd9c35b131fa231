import Foundation

/// A validating skip-scanner over JSON bytes: finds the ranges of members and elements without building
/// a tree, so that a watch event or a list item is read once and kept as the bytes it arrived as.
///
/// Every function returns `nil` on malformed input; callers turn that into `response.malformed`.
struct JSONScanner {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func skipWhitespace(_ index: Int) -> Int {
        var i = index
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    /// The index just past the value that starts at (or after whitespace from) `index`.
    func skipValue(_ index: Int, depth: Int = 0) -> Int? {
        guard depth < 512 else { return nil }
        let i = skipWhitespace(index)
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "\""): return skipString(i)
        case UInt8(ascii: "{"):
            var cursor = skipWhitespace(i + 1)
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "}") { return cursor + 1 }
            while true {
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\""), let keyEnd = skipString(cursor) else { return nil }
                cursor = skipWhitespace(keyEnd)
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":"), let valueEnd = skipValue(cursor + 1, depth: depth + 1) else { return nil }
                cursor = skipWhitespace(valueEnd)
                guard cursor < bytes.count else { return nil }
                if bytes[cursor] == UInt8(ascii: "}") { return cursor + 1 }
                guard bytes[cursor] == UInt8(ascii: ",") else { return nil }
                cursor = skipWhitespace(cursor + 1)
            }
        case UInt8(ascii: "["):
            var cursor = skipWhitespace(i + 1)
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "]") { return cursor + 1 }
            while true {
                guard let end = skipValue(cursor, depth: depth + 1) else { return nil }
                cursor = skipWhitespace(end)
                guard cursor < bytes.count else { return nil }
                if bytes[cursor] == UInt8(ascii: "]") { return cursor + 1 }
                guard bytes[cursor] == UInt8(ascii: ",") else { return nil }
                cursor += 1
            }
        default:
            // A number or a literal: a run of the characters they are made of.
            var cursor = i
            while cursor < bytes.count {
                let byte = bytes[cursor]
                let isPart = (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "E")
                guard isPart else { break }
                cursor += 1
            }
            return cursor > i ? cursor : nil
        }
    }

    /// The index just past the string whose opening quote is at `index`.
    func skipString(_ index: Int) -> Int? {
        var i = index + 1
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            case 0..<0x20: return nil
            default: i += 1
            }
        }
        return nil
    }

    /// Calls `body` with each member's key (unescaped only when it has no escapes) and value range of the
    /// object in `range`; `body` returns `false` to stop. Returns `false` when the object is malformed.
    @discardableResult
    func members(of range: Range<Int>, _ body: (Range<Int>, Range<Int>) -> Bool) -> Bool {
        var cursor = skipWhitespace(range.lowerBound)
        guard cursor < range.upperBound, bytes[cursor] == UInt8(ascii: "{") else { return false }
        cursor = skipWhitespace(cursor + 1)
        if cursor < range.upperBound, bytes[cursor] == UInt8(ascii: "}") { return true }
        while cursor < range.upperBound {
            guard bytes[cursor] == UInt8(ascii: "\""), let keyEnd = skipString(cursor) else { return false }
            var colon = skipWhitespace(keyEnd)
            guard colon < range.upperBound, bytes[colon] == UInt8(ascii: ":") else { return false }
            colon += 1
            let valueStart = skipWhitespace(colon)
            guard let valueEnd = skipValue(valueStart) else { return false }
            guard body((cursor + 1)..<(keyEnd - 1), valueStart..<valueEnd) else { return true }
            cursor = skipWhitespace(valueEnd)
            guard cursor < range.upperBound else { return false }
            if bytes[cursor] == UInt8(ascii: "}") { return true }
            guard bytes[cursor] == UInt8(ascii: ",") else { return false }
            cursor = skipWhitespace(cursor + 1)
        }
        return false
    }

    /// Calls `body` with each element's range of the array in `range`. Returns `false` when malformed.
    func elements(of range: Range<Int>, _ body: (Range<Int>) -> Void) -> Bool {
        var cursor = skipWhitespace(range.lowerBound)
        guard cursor < range.upperBound, bytes[cursor] == UInt8(ascii: "[") else { return false }
        cursor = skipWhitespace(cursor + 1)
        if cursor < range.upperBound, bytes[cursor] == UInt8(ascii: "]") { return true }
        while cursor < range.upperBound {
            guard let end = skipValue(cursor) else { return false }
            body(cursor..<end)
            cursor = skipWhitespace(end)
            guard cursor < range.upperBound else { return false }
            if bytes[cursor] == UInt8(ascii: "]") { return true }
            guard bytes[cursor] == UInt8(ascii: ",") else { return false }
            cursor = skipWhitespace(cursor + 1)
        }
        return false
    }

    /// Whether the key in `range` (between the quotes) is `name`.
    func key(_ range: Range<Int>, is name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        return name.withUTF8Buffer { wanted in
            var i = 0
            for index in range {
                if bytes[index] != wanted[i] { return false }
                i += 1
            }
            return true
        }
    }

    /// The string value in `range` (with its quotes), unescaped; `nil` when it is not a string.
    func string(_ range: Range<Int>) -> String? {
        guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
        if !bytes[inner].contains(UInt8(ascii: "\\")) {
            return String(decoding: bytes[inner], as: UTF8.self)
        }
        return try? JSONDecoder().decode(String.self, from: Data(bytes[range]))
    }

    /// The member `name` of the object in `range`.
    func member(_ name: StaticString, of range: Range<Int>) -> Range<Int>? {
        var found: Range<Int>?
        members(of: range) { key, value in
            if self.key(key, is: name) { found = value; return false }
            return true
        }
        return found
    }
}
