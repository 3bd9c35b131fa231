import Foundation

/// What a ``ChaosServer`` has seen since it started or was last reset (`POST /_chaos/reset`).
/// The `/_chaos/` control endpoints are not counted.
public struct ChaosStats: Sendable, Hashable {
    /// Requests read (complete heads and bodies).
    public var requests = 0
    /// Responses sent, by status (capacity rejections included).
    public var byStatus: [Int: Int] = [:]
    /// Connection faults acted out, by fault.
    public var faults: [ChaosFault: Int] = [:]
    /// The most requests in progress at once (admitted, not yet answered).
    public var concurrentPeak = 0

    /// All counters at zero.
    public init() {}

    /// `{"requests": N, "by_status": {"200": N, ...}, "faults": {"reset": N, ...}, "concurrent_peak": N}`, keys sorted.
    public var json: String {
        let object: [String: Any] = [
            "requests": requests,
            "by_status": Dictionary(uniqueKeysWithValues: byStatus.map { (String($0.key), $0.value) }),
            "faults": Dictionary(uniqueKeysWithValues: faults.map { ($0.key.rawValue, $0.value) }),
            "concurrent_peak": concurrentPeak,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses ``json`` back (for clients of `GET /_chaos/stats`); `nil` when it is not a stats object.
    public init?(json: some Sequence<UInt8>) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let requests = (object["requests"] as? NSNumber)?.intValue,
              let peak = (object["concurrent_peak"] as? NSNumber)?.intValue,
              let byStatus = object["by_status"] as? [String: Any] else { return nil }
        self.requests = requests
        self.concurrentPeak = peak
        for (key, value) in byStatus {
            if let status = Int(key), let count = (value as? NSNumber)?.intValue { self.byStatus[status] = count }
        }
        for (key, value) in object["faults"] as? [String: Any] ?? [:] {
            if let fault = ChaosFault(rawValue: key), let count = (value as? NSNumber)?.intValue { faults[fault] = count }
        }
    }
}
