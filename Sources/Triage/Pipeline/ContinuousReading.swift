#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The continuous clock read straight from the system where Triage knows its source: on Linux,
/// `ContinuousClock` is `CLOCK_BOOTTIME`.
///
/// `ContinuousClock.now` reaches the same `clock_gettime` through several calls of the standard
/// library (its `Instant` is a resilient type) and a `Duration` subtraction; the pipeline reads the
/// clock once per call, and this way costs about 5 ns less (a tenth of what Triage adds to a
/// successful call). Elsewhere ``nanoseconds()`` is `nil` and the pipeline reads `ContinuousClock`.
@usableFromInline
enum ContinuousReading {
    /// The system's reading in nanoseconds, or `nil` where its source is not known.
    @inlinable
    static func nanoseconds() -> Int64? {
        #if os(Linux) && (canImport(Glibc) || canImport(Musl))
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        #else
        return nil
        #endif
    }

    /// `instant` as a reading of ``nanoseconds()``, or `nil` where there are no readings or they do
    /// not keep pace with `ContinuousClock`.
    static func reading(of instant: ContinuousClock.Instant) -> Int64? {
        guard let now = nanoseconds() else { return nil }
        let reading = now - Int64(instant.duration(to: .now).nanoseconds.rounded())
        // A second look: both clocks must still agree to within a millisecond.
        guard let later = nanoseconds(),
              abs(later - reading - Int64(instant.duration(to: .now).nanoseconds.rounded())) < 1_000_000 else { return nil }
        return reading
    }
}
