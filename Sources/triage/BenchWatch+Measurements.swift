import AsyncHTTPClient
import Foundation
import Synchronization
import Triage
import TriageChaos
import TriageKubernetes

/// The measurements of `triage bench watch`, all against one fake API server on loopback.
struct WatchBenchmark {
    var events: Int
    var padding: Int
    var pairs: Int
    var objects: Int
    var recoveryObjects: Int

    struct Result {
        var rawEventsPerSecond: [Double] = []
        var supervisorEventsPerSecond: [Double] = []
        var ratios: [Double] = []
        var jsonBytesPerObject = 0.0
        var residentBytesPerObject = 0.0
        var listRoundTrip = 0.0
        var recovery = 0.0

        var medianRatio: Double { ratios.sorted()[ratios.count / 2] }
        var memoryRatio: Double { residentBytesPerObject / jsonBytesPerObject }

        var text: String {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            return String(format: """
                throughput  raw AsyncHTTPClient %.0f events/s   supervisor %.0f events/s   median ratio %.3f (target >= 0.9)
                memory      %.0f resident bytes per cached object, JSON %.0f bytes: %.2f x (target <= 2)
                recovery    list round trip %.1f ms; compaction to consistent cache %.1f ms (target <= %.1f ms)
                """, median(rawEventsPerSecond), median(supervisorEventsPerSecond), medianRatio,
                residentBytesPerObject, jsonBytesPerObject, memoryRatio, listRoundTrip * 1000, recovery * 1000, listRoundTrip * 1000 + 100)
        }

        var json: String {
            func list(_ values: [Double]) -> String { "[" + values.map { String(format: "%.1f", $0) }.joined(separator: ", ") + "]" }
            return """
            {"raw_events_per_s": \(list(rawEventsPerSecond)), "supervisor_events_per_s": \(list(supervisorEventsPerSecond)), \
            "median_ratio": \(String(format: "%.4f", medianRatio)), "json_bytes_per_object": \(String(format: "%.1f", jsonBytesPerObject)), \
            "resident_bytes_per_object": \(String(format: "%.1f", residentBytesPerObject)), "memory_ratio": \(String(format: "%.3f", memoryRatio)), \
            "list_round_trip_ms": \(String(format: "%.2f", listRoundTrip * 1000)), "recovery_ms": \(String(format: "%.2f", recovery * 1000))}
            """
        }
    }

    func run() async throws -> Result {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: nil)
        let configuration = KubernetesConfiguration(server: server.url, certificateAuthorityPEM: Array(server.certificates.ca.certificatePEM.utf8),
                                                    credentials: .init(bearer: .token("triage-test-token")))
        var result = Result()
        try await KubernetesClient.withClient(configuration: configuration) { client in
            for pair in 0..<pairs {
                var raw = 0.0
                var supervised = 0.0
                for step in (pair % 2 == 0 ? [0, 1] : [1, 0]) {
                    if step == 0 { raw = try await rawBlock(client, server) } else { supervised = try await supervisedBlock(client, server, count: events, path: "/api/v1/namespaces/bench\(pair)/configmaps").rate }
                }
                result.rawEventsPerSecond.append(raw)
                result.supervisorEventsPerSecond.append(supervised)
                result.ratios.append(supervised / raw)
            }
            let before = Self.residentBytes()
            let filled = try await supervisedBlock(client, server, count: objects, path: "/api/v1/namespaces/memory/configmaps", keep: true)
            result.residentBytesPerObject = Double(filled.resident - before) / Double(objects)
            result.jsonBytesPerObject = filled.jsonBytes / Double(objects)
            result.listRoundTrip = try await listRoundTrip(client, server)
            result.recovery = try await recovery(client, server)
        }
        await server.shutdown()
        return result
    }

    /// Raw AsyncHTTPClient: the same watch request, its body split into lines (each copied out, as a
    /// line reader does), nothing decoded.
    func rawBlock(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer) async throws -> Double {
        server.injectWatchFaults([.flood(count: events, padding: padding)])
        let request = client.request(.GET, "/api/v1/namespaces/raw/configmaps", query: [("watch", "true"), ("allowWatchBookmarks", "true")])
        let start = ContinuousClock.now
        let response = try await client.http.httpClient.execute(request, timeout: .seconds(300))
        var lines = 0
        var pending: [UInt8] = []
        var bytes = 0
        for try await chunk in response.body {
            chunk.withUnsafeReadableBytes { raw in
                var from = 0
                while let newline = raw[from...].firstIndex(of: UInt8(ascii: "\n")) {
                    var line = pending
                    line.append(contentsOf: raw[from..<newline])
                    pending.removeAll(keepingCapacity: true)
                    bytes &+= line.count
                    lines += 1
                    from = newline + 1
                }
                pending.append(contentsOf: raw[from...])
            }
        }
        precondition(lines == events, "raw read \(lines) lines of \(events)")
        return Double(lines) / (ContinuousClock.now - start).triageSeconds
    }

    struct Block {
        var rate: Double
        var resident: Int
        var jsonBytes: Double
    }

    /// The supervisor: list (empty), then the same flood as a watch, decoded into its cache.
    func supervisedBlock(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer, count: Int, path: String,
                         keep: Bool = false) async throws -> Block {
        var policy = WatchPolicy.standard
        policy.timeoutSeconds = 300...300
        let supervisor = WatchSupervisor(client: client, path: path, policy: policy)
        let progress = Mutex<(listed: ContinuousClock.Instant?, done: ContinuousClock.Instant?, changes: Int)>((nil, nil, 0))
        server.injectWatchFaults([.flood(count: count, padding: padding)])
        let task = Task {
            try await supervisor.run { update in
                switch update {
                case .listed: progress.withLock { $0.listed = .now }
                case .change: progress.withLock { state in
                    state.changes += 1
                    if state.changes == count { state.done = .now }
                }
                case .decision: break
                }
            }
        }
        while progress.withLock({ $0.done == nil }) { try await Task.sleep(for: .milliseconds(5)) }
        let resident = Self.residentBytes()
        let jsonBytes = keep ? supervisor.cache.snapshot().reduce(0.0) { $0 + Double($1.json.count) } : 0
        task.cancel()
        _ = await task.result
        let (listed, done, _) = progress.withLock { $0 }
        return Block(rate: Double(count) / (done! - listed!).triageSeconds, resident: resident, jsonBytes: jsonBytes)
    }

    /// The median of 5 lists of `recoveryObjects` objects.
    func listRoundTrip(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer) async throws -> Double {
        for index in 0..<recoveryObjects { server.create(in: "/api/v1/namespaces/recovery/configmaps", name: "cm-\(index)", data: ["v": "1"]) }
        var times: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            _ = try await client.list("/api/v1/namespaces/recovery/configmaps")
            times.append((ContinuousClock.now - start).triageSeconds)
        }
        return times.sorted()[2]
    }

    /// From a compaction (one object changed meanwhile) to the relist's completion.
    func recovery(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer) async throws -> Double {
        let path = "/api/v1/namespaces/recovery/configmaps"
        let supervisor = WatchSupervisor(client: client, path: path)
        let lists = Mutex<(count: Int, at: ContinuousClock.Instant?)>((0, nil))
        let task = Task {
            try await supervisor.run { update in
                if case .listed = update { lists.withLock { $0.count += 1; $0.at = .now } }
            }
        }
        while server.openWatches == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let start = ContinuousClock.now
        server.compact { server.create(in: path, name: "cm-0", data: ["v": "2"]) }
        while lists.withLock({ $0.count < 2 }) { try await Task.sleep(for: .microseconds(200)) }
        let at = lists.withLock { $0.at! }
        task.cancel()
        _ = await task.result
        return (at - start).triageSeconds
    }

    /// The process's resident set, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
