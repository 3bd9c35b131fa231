import Triage
import Foundation

/// What a client learns while it runs, shared by its copies: the credentials in use (refreshed after
/// `ExpiredToken`) and the offset between the server's clock and ours (after `RequestTimeTooSkewed`).
final class S3ClientState: Sendable {
    private struct Values {
        var credentials: S3Credentials
        var clockOffset: TimeInterval = 0
        var regionForBucket: [String: String] = [:]
    }
    private let values: LockedValue<Values>

    init(credentials: S3Credentials) {
        values = LockedValue(Values(credentials: credentials))
    }

    var credentials: S3Credentials {
        get { values.withLock { $0.credentials } }
        set { values.withLock { $0.credentials = newValue } }
    }

    /// Seconds to add to the local clock when signing.
    var clockOffset: TimeInterval {
        get { values.withLock { $0.clockOffset } }
        set { values.withLock { $0.clockOffset = newValue } }
    }

    /// The region S3 redirected `bucket` to, if it did.
    func region(for bucket: String) -> String? { values.withLock { $0.regionForBucket[bucket] } }

    func setRegion(_ region: String, for bucket: String) {
        values.withLock { values in
            // Bounded: a client talks to a handful of buckets; a runaway caller does not grow this forever.
            if values.regionForBucket.count >= 1_024 { values.regionForBucket.removeAll() }
            values.regionForBucket[bucket] = region
        }
    }
}
