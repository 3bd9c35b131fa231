/// Tells several reporters, in order; every one is told even when an earlier one throws, and the first
/// error is rethrown.
public struct CombinedHandlerReporter: HandlerReporter {
    public var reporters: [any HandlerReporter]

    public init(_ reporters: [any HandlerReporter]) {
        self.reporters = reporters
    }

    public func report(_ report: HandlerReport) async throws {
        var firstError: (any Error)?
        for reporter in reporters {
            do { try await reporter.report(report) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    public func forget(_ object: HandlerObject) async {
        for reporter in reporters { await reporter.forget(object) }
    }
}
