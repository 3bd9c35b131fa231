import Foundation

/// A skip-scanner over JSON bytes that checks their structure (strings only as ``skipString(_:)`` says):
/// finds the ranges of members and elements without building a tree, so that a watch event or a list
/// item is read once and kept as the bytes it arrived as.
///
/// It reads memory it does not own: make one with ``with(_:_:)`` and use it only inside that closure.
/// Every function returns `nil` (or `false`) on malformed input; callers turn that into a
/// ``KubernetesDecodingError``.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>

    /// Runs `body` with a scanner over `bytes`.
    static func with<R, E: Error>(_ bytes: [UInt8], _ body: (JSONScanner) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = bytes.withUnsafeBufferPointer { pointer in
            do throws(E) {
                return .success(try body(JSONScanner(bytes: pointer)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

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
        case UInt8(ascii: "{"): return members(from: i) { _, value in skipValue(value, depth: depth + 1) }
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
    ///
    /// Structural, not validating: it finds the closing quote (one not escaped by an odd run of
    /// backslashes) and checks nothing between. A raw control byte (below 0x20, which JSON forbids in a
    /// string) is accepted here, and so into the cache inside an object's data; decoding the object into
    /// a `Decodable` type (``KubernetesObject/decode(_:decoder:)``) still rejects it, and the values the
    /// cache and the stream depend on (`metadata.name`, `namespace` and `resourceVersion`) are checked
    /// by ``object(at:)``; an event's `type` holding one matches no type.
    ///
    /// Why: object data is mostly long plain strings, and libc's `memchr` finds the quote with the
    /// widest vectors the machine has (the Swift build targets baseline SSE2); the validating scan, 16
    /// bytes a step, was 0.30 µs of a 600-byte string in `triage bench watch`. Most strings (keys,
    /// metadata) end within 16 bytes, where a call costs more: those are read a word at a time first.
    func skipString(_ index: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var i = index + 1
        while i &+ 8 <= bytes.count, i &- index <= 16 {
            let flags = Self.quoteOrBackslash(UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)))
            if flags == 0 {
                i &+= 8
                continue
            }
            let at = i &+ flags.trailingZeroBitCount &>> 3
            if base[at] == UInt8(ascii: "\"") { return at + 1 }
            i = at &+ 2
        }
        while i < bytes.count {
            guard let found = memchr(base + i, Int32(UInt8(ascii: "\"")), bytes.count - i) else { return nil }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            // Escaped when an odd run of backslashes precedes it (the opening quote ends any run).
            var backslashes = 0
            while base[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes & 1 == 0 { return quote + 1 }
            i = quote + 1
        }
        return nil
    }

    /// The high bit of each byte of `word` (little-endian) that is `"` or `\`, and maybe of bytes above
    /// one (the has-zero-byte test's borrow): the lowest set bit marks the first exactly.
    static func quoteOrBackslash(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        func hasZero(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & (ones &* 0x80) }
        return hasZero(word ^ (ones &* 0x22)) | hasZero(word ^ (ones &* 0x5C))
    }

    /// Whether a byte in `range` is below 0x20, which JSON forbids unescaped in a string.
    func hasControlByte(_ range: Range<Int>) -> Bool {
        bytes[range].contains { $0 < 0x20 }
    }

    /// Walks the object that starts at (or after whitespace from) `index`: calls `body` with each member's
    /// key (between the quotes, escapes left as they are) and the index where its value starts; `body`
    /// reads the value and returns the index just past it (`nil`: malformed). Returns the index just past
    /// the closing brace, or `nil` when the object is malformed or not an object.
    func members(from index: Int, _ body: (Range<Int>, Int) -> Int?) -> Int? {
        var cursor = skipWhitespace(index)
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "{") else { return nil }
        cursor = skipWhitespace(cursor + 1)
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "}") { return cursor + 1 }
        while cursor < bytes.count {
            guard bytes[cursor] == UInt8(ascii: "\""), let keyEnd = skipString(cursor) else { return nil }
            let colon = skipWhitespace(keyEnd)
            guard colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else { return nil }
            let valueStart = skipWhitespace(colon + 1)
            guard let valueEnd = body((cursor + 1)..<(keyEnd - 1), valueStart) else { return nil }
            cursor = skipWhitespace(valueEnd)
            guard cursor < bytes.count else { return nil }
            if bytes[cursor] == UInt8(ascii: "}") { return cursor + 1 }
            guard bytes[cursor] == UInt8(ascii: ",") else { return nil }
            cursor = skipWhitespace(cursor + 1)
        }
        return nil
    }

    /// Walks the array that starts at (or after whitespace from) `index`: calls `body` with where each
    /// element starts; `body` returns the index just past it (`nil`: malformed). Returns the index just
    /// past the closing bracket, or `nil` when malformed or not an array.
    func elements(from index: Int, _ body: (Int) -> Int?) -> Int? {
        var cursor = skipWhitespace(index)
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "[") else { return nil }
        cursor = skipWhitespace(cursor + 1)
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "]") { return cursor + 1 }
        while cursor < bytes.count {
            guard let end = body(cursor) else { return nil }
            cursor = skipWhitespace(end)
            guard cursor < bytes.count else { return nil }
            if bytes[cursor] == UInt8(ascii: "]") { return cursor + 1 }
            guard bytes[cursor] == UInt8(ascii: ",") else { return nil }
            cursor = skipWhitespace(cursor + 1)
        }
        return nil
    }

    /// What ``object(at:)`` found: the object's range and its metadata's string values (with quotes).
    struct ObjectScan {
        var range: Range<Int>
        var name: Range<Int>?
        var namespace: Range<Int>?
        var resourceVersion: Range<Int>?
    }

    /// Reads the object that starts at `index` in one pass: where it ends, and `metadata.name`,
    /// `metadata.namespace` and `metadata.resourceVersion` on the way. `nil` when it is not a
    /// well-formed object (strings are checked only as ``skipString(_:)`` says) or one of those three
    /// holds a raw control byte.
    func object(at index: Int) -> ObjectScan? {
        let start = skipWhitespace(index)
        var scan = ObjectScan(range: start..<start)
        let end = members(from: start) { key, value in
            guard self.key(key, is: "metadata"), byte(at: value, is: UInt8(ascii: "{")) else { return skipValue(value) }
            return members(from: value) { key, value in
                guard let end = skipValue(value) else { return nil }
                if self.key(key, is: "name") { scan.name = value..<end }
                else if self.key(key, is: "namespace") { scan.namespace = value..<end }
                else if self.key(key, is: "resourceVersion") { scan.resourceVersion = value..<end }
                else { return end }
                // The cache's key and the stream's resourceVersion: held to JSON's rule, unlike skipped strings.
                return hasControlByte(value..<end) ? nil : end
            }
        }
        guard let end else { return nil }
        scan.range = start..<end
        return scan
    }

    /// Whether the byte at `index` is `expected` (`false` past the end).
    func byte(at index: Int, is expected: UInt8) -> Bool { index < bytes.count && bytes[index] == expected }

    /// Whether the bytes in `range` are `name`: a key between its quotes, a string value with them, or a
    /// literal such as `null`.
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
        let inner = UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)])
        if !inner.contains(UInt8(ascii: "\\")) {
            return String(decoding: inner, as: UTF8.self)
        }
        return try? JSONDecoder().decode(String.self, from: Data(bytes[range]))
    }

    /// The bytes in `range`, copied out.
    func copy(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeBufferPointer(rebasing: bytes[range]))
    }
}
