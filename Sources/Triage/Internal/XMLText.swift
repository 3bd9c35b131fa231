/// XML character data: the five predefined entities and numeric character references, nothing more.
///
/// One place for the error-body parser (``FlatXML``), the S3 client's request and response documents and
/// the benchmark plots. No DTD entity is ever resolved: a document that declares one is refused before
/// its text gets here.
package enum XMLText {
    /// `text` with `& < > " '` written as entities, everything else as it is.
    package static func escaped(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` with `&lt; &gt; &amp; &quot; &apos;`, `&#N;` and `&#xH;` decoded; `nil` when it holds any
    /// other reference, one without its `;` within 10 characters, or a number that is not a Unicode scalar.
    package static func unescaped(_ text: some StringProtocol) -> String? {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            rest = rest[rest.index(after: amp)...]
            guard let semi = rest.prefix(11).firstIndex(of: ";") else { return nil }
            let name = rest[..<semi]
            rest = rest[rest.index(after: semi)...]
            switch name {
            case "lt": result += "<"
            case "gt": result += ">"
            case "amp": result += "&"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                guard name.hasPrefix("#") else { return nil }
                let digits = name.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                guard let value, let scalar = Unicode.Scalar(value) else { return nil }
                result.unicodeScalars.append(scalar)
            }
        }
        return result + rest
    }
}
