/// Text from the network made safe to print: no character that a terminal acts on reaches it.
///
/// C0 controls (U+0000–U+001F, newline and tab included: every field is one line), DEL (U+007F), C1
/// controls (U+0080–U+009F, which some terminals read as escape sequences) and the bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069, which reorder what is shown) are written
/// as `\u{1B}`: visible, and the same in human output and in JSON.
public enum TerminalText {
    /// `text` with every such character escaped; text without any is returned unchanged.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether `scalar` must not reach a terminal as it is.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
