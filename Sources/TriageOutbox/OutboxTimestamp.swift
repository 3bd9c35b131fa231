/// A point in time as stored: milliseconds since 1970-01-01 00:00 UTC.
///
/// Stored times must mean the same to every process that opens the store (a lease written by a killed
/// process is read by the next one), so they are wall-clock times, not a process's monotonic clock.
public typealias OutboxTimestamp = Int64

extension Duration {
    /// The duration in whole milliseconds, rounded down (negative durations towards zero).
    public var outboxMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
