/// Counts calls and failures over the last `length`, in 10 buckets (no allocation after init).
struct SlidingWindow: Sendable, Hashable {
    private var calls = [Int](repeating: 0, count: 10)
    private var failures = [Int](repeating: 0, count: 10)
    private var bucketStart = [Int64](repeating: .min, count: 10)
    private let bucketNanos: Int64

    /// The longest window the policies accept (100 years): validation refuses what the conversion to
    /// whole nanoseconds (Int64, about 292 years) could not hold.
    static let maximumLength = Duration.seconds(100 * 365 * 86_400)

    init(length: Duration) {
        // Clamped as well, so that no length can trap here.
        bucketNanos = max(1, Int64(min(length, Self.maximumLength).nanoseconds / 10))
    }

    mutating func record(failure: Bool, now: Duration) {
        let tick = Int64(now.nanoseconds) / bucketNanos
        let index = Int(((tick % 10) + 10) % 10)
        if bucketStart[index] != tick {
            bucketStart[index] = tick
            calls[index] = 0
            failures[index] = 0
        }
        calls[index] += 1
        if failure { failures[index] += 1 }
    }

    /// The calls and failures in the `length` before `now`.
    func totals(now: Duration) -> (calls: Int, failures: Int) {
        let tick = Int64(now.nanoseconds) / bucketNanos
        var totalCalls = 0, totalFailures = 0
        for index in 0..<10 where bucketStart[index] > tick - 10 {
            totalCalls += calls[index]
            totalFailures += failures[index]
        }
        return (totalCalls, totalFailures)
    }

    mutating func reset() {
        for index in 0..<10 { bucketStart[index] = .min }
    }
}
