/// Percent-encoding as Signature Version 4 and S3 want it: every byte but the unreserved
/// `A–Z a–z 0–9 - _ . ~` becomes `%XX` (upper-case hex), UTF-8 first.
enum SigV4Encoding {
    /// Encodes a query name or value (`/` encoded too).
    static func query(_ text: String) -> String { encode(text, keepingSlash: false) }

    /// Encodes an object key for a URL path: as ``query(_:)`` but `/` stays, so a key's "folders"
    /// stay path segments (botocore: `percent_encode(key, safe='/~')`).
    static func path(_ text: String) -> String { encode(text, keepingSlash: true) }

    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func encode(_ text: String, keepingSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepingSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower-case hex of `bytes`.
    static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let lower: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(lower[Int(byte >> 4)])
            out.append(lower[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
