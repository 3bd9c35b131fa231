import Synchronization

/// Keeps every decision record a pipeline makes, for assertions:
///
/// ```swift
/// let recorder = DecisionRecorder()
/// var pipeline = Pipeline(clock: clock, observer: recorder.observer)
/// ...
/// #expect(recorder.actions == [.retry, .succeeded])
/// ```
public final class DecisionRecorder: Sendable {
    private let storage = LockedValue<[DecisionRecord]>([])

    public init() {}

    /// Pass as a pipeline's `observer`.
    public var observer: @Sendable (DecisionRecord) -> Void {
        { record in self.storage.withLock { $0.append(record) } }
    }

    /// Every record so far, in order.
    public var records: [DecisionRecord] { storage.withLock { $0 } }
    /// What was done after each attempt.
    public var actions: [DecisionRecord.Action] { records.map(\.action) }
    /// Each attempt's failure kind (`nil` for a success).
    public var kinds: [FailureKind?] { records.map(\.kind) }
    /// The waits before each retry.
    public var delays: [Duration] { records.compactMap(\.delay) }

    /// Forgets every record.
    public func reset() { storage.withLock { $0.removeAll() } }
}
