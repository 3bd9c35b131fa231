/// Parses `Retry-After` (RFC 9110 §10.2.3) in all its forms.
///
/// - delay-seconds: `120`
/// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
/// - obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`
/// - obsolete asctime: `Sun Nov  6 08:49:37 1994`
///
/// Invalid values give `nil` (never a crash, never an error); a date in the past gives `.zero`;
/// a number too large to represent saturates at ``maximumRepresentable``. Capping a named delay is the
/// policy's job (``HTTPResponseClassifier/maximumRetryAfter``, the retry policy's cap).
public enum RetryAfter {
    /// The largest delay `parse` returns: 2^40 seconds (about 35 000 years).
    public static let maximumRepresentable: Duration = .seconds(Int64(1) << 40)

    /// Values longer than this many bytes are not looked at (a hostile header cannot cost time).
    static let maximumLength = 64

    /// The delay a `Retry-After` value names, relative to `now` (Unix time in seconds), or `nil`.
    public static func parse(_ value: some StringProtocol, now: Double) -> Duration? {
        let bytes = Array(value.utf8)
        guard bytes.count <= maximumLength else { return nil }
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        guard let first = slice.first else { return nil }
        if isDigit(first) { return parseSeconds(slice) }
        guard let date = HTTPDate.parse(slice) else { return nil }
        let delta = date - now
        guard delta > 0 else { return .zero }
        return min(.milliseconds(Int64(delta * 1000)), maximumRepresentable)
    }

    /// A delay given in milliseconds (`x-amz-retry-after`, as the AWS SDKs read it), or `nil`.
    public static func parseMilliseconds(_ value: some StringProtocol) -> Duration? {
        let bytes = Array(value.utf8)
        guard bytes.count <= maximumLength, let seconds = parseSeconds(bytes[...]) else { return nil }
        let (whole, _) = seconds.components
        return whole >= Int64(1) << 40 ? maximumRepresentable : .milliseconds(whole)
    }

    private static func parseSeconds(_ digits: ArraySlice<UInt8>) -> Duration? {
        var total: Int64 = 0
        for byte in digits {
            guard isDigit(byte) else { return nil }
            total = total * 10 + Int64(byte - 0x30)
            if total >= Int64(1) << 40 { total = Int64(1) << 40 }
        }
        return .seconds(total)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
