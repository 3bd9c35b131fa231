import AsyncHTTPClient
import Foundation
import Glibc
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
        /// The process's CPU time per event in each block (µs): the fake server, the client's event loop and
        /// the consumer together, whatever else the machine runs. Steadier than the rates on a busy machine.
        var rawCPUPerEvent: [Double] = []
        var supervisorCPUPerEvent: [Double] = []
        /// raw CPU per event / supervisor CPU per event, per pair: the rate ratio one core would give.
        var cpuRatios: [Double] = []
        var jsonBytesPerObject = 0.0
        var residentBytesPerObject = 0.0
        var heapBytesPerObject = 0.0
        /// Heap still held after a relist, as a fraction of one collection's heap.
        var retainedAfterRelist = 0.0
        /// The most heap held during the relist beyond the cache, as a fraction of one collection's heap.
        var peakDuringRelist = 0.0
        var listRoundTrip = 0.0
        var recovery = 0.0

        var medianRatio: Double { ratios.sorted()[ratios.count / 2] }
        var medianCPURatio: Double { cpuRatios.sorted()[cpuRatios.count / 2] }
        var memoryRatio: Double { residentBytesPerObject / jsonBytesPerObject }
        var heapRatio: Double { heapBytesPerObject / jsonBytesPerObject }

        var text: String {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            return String(format: """
                throughput  raw AsyncHTTPClient %.0f events/s   supervisor %.0f events/s   median ratio %.3f (target >= 0.9)
                cpu         raw %.2f us/event   supervisor %.2f us/event (the whole process)   median ratio %.3f
                memory      %.0f resident (%.0f after malloc_trim) bytes per cached object, JSON %.0f bytes: %.2f x (%.2f x trimmed) (target <= 2)
                relist      memory held after a relist of the collection %.3f collections; peak during it (upper bound) %.2f collections beyond the cache
                recovery    list round trip %.1f ms; compaction to consistent cache %.1f ms (target <= %.1f ms)
                """, median(rawEventsPerSecond), median(supervisorEventsPerSecond), medianRatio,
                median(rawCPUPerEvent), median(supervisorCPUPerEvent), medianCPURatio,
                residentBytesPerObject, heapBytesPerObject, jsonBytesPerObject, memoryRatio, heapRatio,
                retainedAfterRelist, peakDuringRelist, listRoundTrip * 1000, recovery * 1000, listRoundTrip * 1000 + 100)
        }

        var json: String {
            func list(_ values: [Double], _ format: String = "%.1f") -> String { "[" + values.map { String(format: format, $0) }.joined(separator: ", ") + "]" }
            return """
            {"raw_events_per_s": \(list(rawEventsPerSecond)), "supervisor_events_per_s": \(list(supervisorEventsPerSecond)), \
            "median_ratio": \(String(format: "%.4f", medianRatio)), "raw_cpu_us_per_event": \(list(rawCPUPerEvent, "%.3f")), \
            "supervisor_cpu_us_per_event": \(list(supervisorCPUPerEvent, "%.3f")), "median_cpu_ratio": \(String(format: "%.4f", medianCPURatio)), \
            "json_bytes_per_object": \(String(format: "%.1f", jsonBytesPerObject)), \
            "resident_bytes_per_object": \(String(format: "%.1f", residentBytesPerObject)), "memory_ratio": \(String(format: "%.3f", memoryRatio)), \
            "heap_bytes_per_object": \(String(format: "%.1f", heapBytesPerObject)), "heap_ratio": \(String(format: "%.3f", heapRatio)), \
            "retained_after_relist": \(String(format: "%.4f", retainedAfterRelist)), "peak_during_relist": \(String(format: "%.3f", peakDuringRelist)), \
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
            Self.progress("memory: \(objects) objects listed, compacted and listed again")
            try await measureMemory(client, server, into: &result)
            for pair in 0..<pairs {
                Self.progress("throughput: pair \(pair + 1) of \(pairs)")
                var raw = Block(rate: 0, cpuPerEvent: 0)
                var supervised = raw
                for step in (pair % 2 == 0 ? [0, 1] : [1, 0]) {
                    if step == 0 { raw = try await rawBlock(client, server) } else { supervised = try await supervisedBlock(client, server, count: events, path: "/api/v1/namespaces/bench\(pair)/configmaps") }
                }
                result.rawEventsPerSecond.append(raw.rate)
                result.supervisorEventsPerSecond.append(supervised.rate)
                result.ratios.append(supervised.rate / raw.rate)
                result.rawCPUPerEvent.append(raw.cpuPerEvent)
                result.supervisorCPUPerEvent.append(supervised.cpuPerEvent)
                result.cpuRatios.append(raw.cpuPerEvent / supervised.cpuPerEvent)
            }
            Self.progress("recovery: \(recoveryObjects) objects")
            result.listRoundTrip = try await listRoundTrip(client, server)
            result.recovery = try await recovery(client, server)
        }
        await server.shutdown()
        return result
    }

    /// Raw AsyncHTTPClient: the same watch request, its body split into lines with `memchr` (each copied
    /// out, as a line reader that hands out lines does), nothing decoded.
    func rawBlock(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer) async throws -> Block {
        server.injectWatchFaults([.flood(count: events, padding: padding)], in: "/api/v1/namespaces/raw/configmaps")
        let request = client.request(.GET, "/api/v1/namespaces/raw/configmaps", query: [("watch", "true"), ("allowWatchBookmarks", "true")])
        let (start, cpuStart) = (ContinuousClock.now, BenchHandlersCommand.processCPUTime())
        let response = try await client.http.httpClient.execute(request, timeout: .seconds(300))
        var lines = 0
        var pending: [UInt8] = []
        var bytes = 0
        for try await chunk in response.body {
            chunk.withUnsafeReadableBytes { raw in
                guard let base = raw.baseAddress else { return }
                var from = 0
                // memchr, as the supervisor's line reader: `firstIndex(of:)` went byte by byte, and that
                // loop was 37 % of raw's CPU per event, a handicap that flattered the supervisor.
                while from < raw.count, let found = memchr(base + from, Int32(UInt8(ascii: "\n")), raw.count - from) {
                    let newline = base.distance(to: UnsafeRawPointer(found))
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
        let (end, cpuEnd) = (ContinuousClock.now, BenchHandlersCommand.processCPUTime())
        return Block(rate: Double(lines) / (end - start).triageSeconds, cpuPerEvent: (cpuEnd - cpuStart) * 1e6 / Double(lines))
    }

    struct Block {
        /// Events per second.
        var rate: Double
        /// The process's CPU time per event, µs.
        var cpuPerEvent: Double
    }

    /// The supervisor: list (empty), then the same flood as a watch, decoded into its cache, timed from
    /// the list's end to the flood's last change. The handler ends the run at that change: a supervisor
    /// left running would watch again (and list again, its resourceVersion being older than the memory
    /// phase's compaction), and a watch request of it still on its way could take the next block's flood.
    func supervisedBlock(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer, count: Int, path: String) async throws -> Block {
        struct FloodDelivered: Error {}
        var policy = WatchPolicy.standard
        policy.timeoutSeconds = 300...300
        let supervisor = WatchSupervisor(client: client, path: path, policy: policy)
        let listed = LockedValue<(at: ContinuousClock.Instant, cpu: Double)?>(nil)
        let done = LockedValue<(at: ContinuousClock.Instant, cpu: Double)?>(nil)
        // Counted with an atomic add, not a lock: the consumer's own cost stays out of the supervisor's rate.
        let changes = Atomic<Int>(0)
        // Only for this block's collection: a watch request of an earlier supervisor, cancelled but still
        // on its way, must not take it (the block would then wait for its flood for ever).
        server.injectWatchFaults([.flood(count: count, padding: padding)], in: path)
        do {
            try await supervisor.run { update in
                switch update {
                case .listed: listed.withLock { $0 = (.now, BenchHandlersCommand.processCPUTime()) }
                case .change:
                    if changes.wrappingAdd(1, ordering: .relaxed).newValue == count {
                        done.withLock { $0 = (.now, BenchHandlersCommand.processCPUTime()) }
                        throw FloodDelivered()
                    }
                case .decision: break
                }
            }
        } catch is FloodDelivered {}
        let (start, end) = (listed.withLock { $0 }!, done.withLock { $0 }!)
        return Block(rate: Double(count) / (end.at - start.at).triageSeconds, cpuPerEvent: (end.cpu - start.cpu) * 1e6 / Double(count))
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
        let lists = LockedValue<(count: Int, at: ContinuousClock.Instant?)>((0, nil))
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

    /// `objects` objects listed into a supervisor's cache (pages of 500): resident and heap bytes per object
    /// beside the JSON size; then a compaction and relist of all of them, sampling the heap meanwhile.
    func measureMemory(_ client: KubernetesClient<ContinuousClock>, _ server: FakeKubernetesServer, into result: inout Result) async throws {
        let path = "/api/v1/namespaces/memory/configmaps"
        let filler = String(repeating: "x", count: padding)
        for index in 0..<objects { server.create(in: path, name: "object-\(index)", data: ["value": filler]) }
        let resident0 = Self.residentBytes()
        let heap0 = Self.heapBytes()
        let supervisor = WatchSupervisor(client: client, path: path)
        let lists = LockedValue(0)
        let task = Task { try await supervisor.run { if case .listed = $0 { lists.withLock { $0 += 1 } } } }
        while lists.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let resident1 = Self.residentBytes()
        let heap1 = Self.heapBytes()
        let jsonBytes = supervisor.cache.snapshot().reduce(0.0) { $0 + Double($1.json.count) }
        result.jsonBytesPerObject = jsonBytes / Double(objects)
        result.heapBytesPerObject = Double(heap1 - heap0) / Double(objects)
        result.residentBytesPerObject = Double(resident1 - resident0) / Double(objects)
        let peak = LockedValue(heap1)
        let sampler = Task {
            while !Task.isCancelled {
                // Untrimmed: freed pages still count, so the peak is an upper bound.
                let now = Self.residentBytes()
                peak.withLock { $0 = max($0, now) }
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        server.compact { server.create(in: path, name: "object-0", data: ["value": "changed"]) }
        while lists.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(1)) }
        sampler.cancel()
        _ = await sampler.result
        let heap2 = Self.heapBytes()
        let collection = Double(heap1 - heap0)
        result.retainedAfterRelist = Double(heap2 - heap1) / collection
        result.peakDuringRelist = Double(peak.withLock { $0 } - heap1) / collection
        task.cancel()
        _ = await task.result
    }

    /// A line on standard error saying where the run is (standard output stays the result alone).
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data(("bench watch: " + line + "\n").utf8))
    }

    /// The resident set after glibc's `malloc_trim(0)` has returned free pages to the system, so that
    /// memory freed earlier in the run does not hide what is in use (looked up with dlsym: Glibc's
    /// Swift module does not export malloc.h).
    static func heapBytes() -> Int {
        if let symbol = dlsym(nil, "malloc_trim") {  // nil: RTLD_DEFAULT on Linux
            let trim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
            _ = trim(0)
        }
        return residentBytes()
    }

    /// The process's resident set, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
