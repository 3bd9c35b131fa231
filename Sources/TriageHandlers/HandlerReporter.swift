import Triage

/// One attempt's verdict, as it is reported (object status, Kubernetes events, logs).
public struct HandlerReport: Sendable {
    /// The object.
    public var object: HandlerObject
    /// The object's JSON as the attempt saw it.
    public var body: [UInt8]
    /// The handler (`parent/child` for a sub-handler).
    public var handlerID: String
    /// Why the handler ran.
    public var cause: HandlerCause
    /// The verdict, with the progress it leaves.
    public var judgement: HandlerJudgement
}

/// Tells the world how an attempt ended. ``HandlerRunner`` reports each verdict before it saves the
/// progress that records it, so a runner killed in between runs the attempt again (at least once)
/// rather than leave a stale report. A reporter that throws is logged and does not stop the runner.
public protocol HandlerReporter: Sendable {
    func report(_ report: HandlerReport) async throws
    /// Drops what is kept of an object that is gone. Default: nothing.
    func forget(_ object: HandlerObject) async
}

extension HandlerReporter {
    public func forget(_ object: HandlerObject) async {}
}

/// Keeps reports in memory, for tests.
public final class InMemoryHandlerReporter: HandlerReporter {
    private let reports = LockedValue<[HandlerReport]>([])

    public init() {}

    public func report(_ report: HandlerReport) async throws {
        reports.withLock { $0.append(report) }
    }

    /// Everything reported, oldest first.
    public var all: [HandlerReport] { reports.withLock { $0 } }
}

/// Reports nothing.
public struct SilentHandlerReporter: HandlerReporter {
    public init() {}
    public func report(_ report: HandlerReport) async throws {}
}
