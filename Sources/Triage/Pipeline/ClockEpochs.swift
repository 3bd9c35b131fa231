import Synchronization

/// One reference instant per instant type, that every pipeline on clocks of that type measures from.
///
/// Inside the engine a time is a `Duration` since this epoch, not a clock's `Instant`: the standard
/// clocks' instants are resilient types, so each copy, comparison or optional of one is a call through
/// type metadata, while a `Duration` is plain numbers. An ``Pipeline/Attempt`` keeps its deadline this
/// way and turns it back into an instant only when asked. Sharing one epoch per type (the first instant
/// seen) also lets pipelines built at different times share a breaker or budget and agree on the time.
@usableFromInline
enum ClockEpochs {
    private static let epochs = LockedValue<[ObjectIdentifier: any Sendable]>([:])

    /// The epoch of `Instant`'s type: the first instant ever passed here for that type.
    @usableFromInline
    static func shared<Instant: InstantProtocol>(_ candidate: Instant) -> Instant {
        epochs.withLock { table in
            if let epoch = table[ObjectIdentifier(Instant.self)] as? Instant { return epoch }
            table[ObjectIdentifier(Instant.self)] = candidate
            return candidate
        }
    }

    /// `time` since the epoch of its type, as an instant.
    @usableFromInline
    static func instant<Instant: InstantProtocol>(_ time: Duration, as type: Instant.Type) -> Instant
    where Instant.Duration == Duration {
        let epoch = epochs.withLock { $0[ObjectIdentifier(Instant.self)] as? Instant }
        // Times since an epoch are only ever made from an instant, which registered it.
        guard let epoch else { preconditionFailure("no epoch registered for \(Instant.self)") }
        return epoch.advanced(by: time)
    }
}
