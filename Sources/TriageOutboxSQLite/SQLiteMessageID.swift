import Triage
import TriageOutbox

/// The ids the SQLite store gives messages: 48 bits of the enqueue time in milliseconds, a 16-bit count
/// of this process's ids, then 64 random bits, as 32 lowercase hexadecimal digits (the format of
/// ``OutboxIdentifier``).
///
/// Ids that grow with time, and within a millisecond with the count, go in at the end of the indexes
/// keyed by id (the messages' primary key, their headers' and attempts'), and messages delivered
/// together, enqueued together, sit together there: a transaction of many enqueues or marks dirties
/// a few pages instead of a random page per message, each written to the WAL at commit.
enum SQLiteMessageID {
    private static let count = LockedValue<UInt16>(0)

    static func make(now: OutboxTimestamp) -> String {
        let sequence = count.withLock { count -> UInt16 in
            defer { count &+= 1 }
            return count
        }
        var generator = SystemRandomNumberGenerator()
        let high = (UInt64(truncatingIfNeeded: now) & 0xFFFF_FFFF_FFFF) << 16 | UInt64(sequence)
        let low = generator.next() as UInt64
        return String(unsafeUninitializedCapacity: 32) { buffer in
            let digits = Array("0123456789abcdef".utf8)
            for index in 0..<16 {
                buffer[index] = digits[Int(high >> (60 - 4 * UInt64(index)) & 0xF)]
                buffer[16 + index] = digits[Int(low >> (60 - 4 * UInt64(index)) & 0xF)]
            }
            return 32
        }
    }
}
