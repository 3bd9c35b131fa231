/// Makes the ids of messages: 128 random bits as 32 lowercase hexadecimal digits.
public enum OutboxIdentifier {
    /// A new unique id from the system's random source.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
