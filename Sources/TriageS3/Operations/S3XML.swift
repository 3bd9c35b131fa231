import Foundation

/// Just enough XML for S3's response documents: the text of named elements, in order. S3's documents
/// are flat records (`<Contents>…</Contents>` repeated), not nested same-name elements, and carry no
/// DTDs; nothing here resolves entities beyond XML's five and numeric references.
enum S3XML {
    /// The contents of every `<name>…</name>` in `text`, in order (`<name/>` gives an empty one).
    static func elements(_ name: String, in text: Substring) -> [Substring] {
        var found: [Substring] = []
        let open = "<\(name)>", empty = "<\(name)/>", close = "</\(name)>"
        var rest = text[...]
        while let start = rest.range(of: open) ?? rest.range(of: empty) {
            if rest[start].hasSuffix("/>") {
                found.append(rest[start.upperBound..<start.upperBound])
                rest = rest[start.upperBound...]
                continue
            }
            guard let end = rest[start.upperBound...].range(of: close) else { break }
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The unescaped text of the first `<name>` in `text`.
    static func value(_ name: String, in text: Substring) -> String? {
        elements(name, in: text).first.map { unescape($0) }
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { out += rest[amp...]; return out }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// `text` with `& < > " '` escaped, for request documents.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
