import Foundation

/// libFuzzer's entry points. `scripts/fuzz.sh` builds this target with `-sanitize=fuzzer,address`
/// and links it into one binary; `TRIAGE_FUZZ_TARGET` names the ``FuzzTarget`` it runs.
///
/// A single input that takes more than ``slowInput`` of this thread's CPU time aborts, so libFuzzer
/// keeps it as a crash: a parser a hostile peer can slow down is a bug too. CPU time, not wall
/// time, and the least of three runs, so that a busy machine does not fail the run; the first
/// ``warmUpInputs`` are not timed (first calls pay for lazy initialisation).
enum FuzzEntry {
    static let slowInput: Duration = .milliseconds(10)
    static let warmUpInputs = 32
    nonisolated(unsafe) static var target: FuzzTarget = .retryAfter
    nonisolated(unsafe) static var inputs = 0

    /// The CPU time one run of the target on `bytes` takes.
    static func timed(_ bytes: [UInt8]) -> Duration {
        let started = threadCPUTime()
        target.run(bytes)
        return threadCPUTime() - started
    }

    static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["TRIAGE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("TRIAGE_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
        exit(2)
    }
    FuzzEntry.target = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    var spent = FuzzEntry.timed(bytes)
    FuzzEntry.inputs += 1
    // A slow run is confirmed by two more: the least of three is the input's cost, not the machine's.
    if FuzzEntry.inputs > FuzzEntry.warmUpInputs, spent > FuzzEntry.slowInput {
        spent = min(spent, FuzzEntry.timed(bytes), FuzzEntry.timed(bytes))
    }
    if FuzzEntry.inputs > FuzzEntry.warmUpInputs, spent > FuzzEntry.slowInput {
        FileHandle.standardError.write(Data("slow input: \(spent) of CPU for \(size) bytes (limit \(FuzzEntry.slowInput))\n".utf8))
        abort()
    }
    return 0
}
