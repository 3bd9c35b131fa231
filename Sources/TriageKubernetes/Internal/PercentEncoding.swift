/// Percent-encoding of URL parts: query values in ``KubernetesClient/url(_:query:)``, object names
/// as path segments in TriageHandlers.
package enum PercentEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// `text` with every byte but letters, digits, `-._~` and the bytes of `keeping` written as `%XX`.
    package static func encoded(_ text: String, keeping: Set<UInt8> = []) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where keeping.contains(byte):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return result
    }
}
