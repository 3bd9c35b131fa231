import Synchronization

/// One reference instant per instant type, that every pipeline on clocks of that type measures from.
///
/// Inside the engine a time is a `Duration` since this epoch, not a clock's `Instant`: the standard
/// clocks' instants are resilient types, so each copy, comparison or optional of one is a call through
/// type metadata, while a `Duration` is plain numbers. An ``Pipeline/Attempt`` keeps its deadline this
/// way and turns it back into an instant only when asked. Sharing one epoch per type (the first instant
/// seen) also lets pipelines built at different times share a breaker or budget and agree on the time.
/// An instant type whose clocks all count from one origin (``OriginInstant``: the test clocks) takes that
/// origin as its epoch instead, so which clock happened to be read first does not move every other's times.
///
/// The continuous clock's epoch is a constant read without the lock: turning an attempt's deadline back
/// into an instant is then one addition (the table's lock and dynamic cast cost about 95 ns per read;
/// docs/benchmarks.md, `standard-pipeline-deadline`).
@usableFromInline
enum ClockEpochs {
    private static let epochs = LockedValue<[ObjectIdentifier: any Sendable]>([:])
    /// The epoch of `ContinuousClock.Instant`: the first time it is asked for.
    private static let continuous = ContinuousClock.now

    /// The epoch of `Instant`'s type: for the continuous clock the constant ``continuous`` (read when it
    /// is first used), for an ``OriginInstant`` its origin, for any other the first instant ever passed
    /// here for that type.
    @usableFromInline
    static func shared<Instant: InstantProtocol>(_ candidate: Instant) -> Instant {
        if Instant.self == ContinuousClock.Instant.self { return unsafeBitCast(continuous, to: Instant.self) }
        return epochs.withLock { table in
            if let epoch = table[ObjectIdentifier(Instant.self)] as? Instant { return epoch }
            let epoch = (Instant.self as? any OriginInstant.Type)?.origin as? Instant ?? candidate
            table[ObjectIdentifier(Instant.self)] = epoch
            return epoch
        }
    }

    /// `time` since the epoch of its type, as an instant.
    @usableFromInline
    static func instant<Instant: InstantProtocol>(_ time: Duration, as type: Instant.Type) -> Instant
    where Instant.Duration == Duration {
        if Instant.self == ContinuousClock.Instant.self { return unsafeBitCast(continuous.advanced(by: time), to: Instant.self) }
        let epoch = epochs.withLock { $0[ObjectIdentifier(Instant.self)] as? Instant }
        // Times since an epoch are only ever made from an instant, which registered it.
        guard let epoch else { preconditionFailure("no epoch registered for \(Instant.self)") }
        return epoch.advanced(by: time)
    }
}

/// An instant type whose clocks all count from one origin, as test clocks do: each new clock starts
/// there. Pipelines on such clocks measure from the origin (``ClockEpochs``), so a time since the epoch
/// is the instant's own offset, whichever clock was read first in the process (before, a pipeline on a
/// clock already advanced by 100 s moved every later clock's times by -100 s, and breaker tests that
/// record at time zero failed depending on the order the tests ran in).
package protocol OriginInstant: InstantProtocol {
    /// Where every clock of this type starts.
    static var origin: Self { get }
}
