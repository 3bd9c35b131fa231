import ArgumentParser
import Foundation
import Logging
import Synchronization
import Triage
import TriageChaos
import TriageHandlers
import TriageKubernetes

/// `triage bench handlers`: what the handler runner adds to a handler invocation, and the API requests
/// one handled change costs with progress in annotations.
struct BenchHandlersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handlers",
        abstract: "Runner overhead per handler invocation (in-memory progress), and API requests per handled change."
    )

    @Option(help: "Changes per round (distinct objects).")
    var changes = 20_000

    @Option(help: "Rounds; the median is reported.")
    var rounds = 5

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (100...1_000_000).contains(changes) else { throw ValidationError("--changes must be within 100…1000000") }
        guard (1...50).contains(rounds) else { throw ValidationError("--rounds must be within 1…50") }
    }

    func run() async throws {
        let changes = (0..<self.changes).map { index in
            let body = Array(#"{"metadata":{"name":"o\#(index)"},"spec":{"n":\#(index)}}"#.utf8)
            return HandlerChange(object: HandlerObject(namespace: "bench", name: "o\(index)"), body: body, cause: .create,
                                 digest: HandlerChange.digest(of: body) ?? "")
        }
        var baseline: [Timing] = []
        var runner: [Timing] = []
        for _ in 0..<rounds {
            baseline.append(await Self.timed(changes.count) { await Self.direct(changes) }.timing)
            // The store is returned so that freeing it is not timed.
            runner.append(await Self.timed(changes.count) { await Self.throughRunner(changes) }.timing)
        }
        let base = Self.median(baseline.map(\.wall)), through = Self.median(runner.map(\.wall))
        let baseCPU = Self.median(baseline.map(\.cpu)), throughCPU = Self.median(runner.map(\.cpu))
        let requests = try await Self.requestsPerHandledChange()
        if json {
            print(#"{"changes": \#(self.changes), "rounds": \#(rounds), "direct_ns": \#(Int(base)), "runner_ns": \#(Int(through)), "overhead_ns": \#(Int(through - base)), "direct_cpu_ns": \#(Int(baseCPU)), "runner_cpu_ns": \#(Int(throughCPU)), "overhead_cpu_ns": \#(Int(throughCPU - baseCPU)), "object_writes_per_change": \#(requests.objectWrites), "event_requests_per_change": \#(requests.events)}"#)
        } else {
            print(String(format: "direct call of the handler:        %8.0f ns per change (CPU %.0f ns)", base, baseCPU))
            print(String(format: "through HandlerRunner (in memory): %8.0f ns per change (CPU %.0f ns); overhead %.0f ns (CPU %.0f ns)",
                         through, throughCPU, through - base, throughCPU - baseCPU))
            print("annotation progress, one handled change: \(requests.objectWrites) writes to the object (status, annotations), \(requests.events) event request")
        }
    }

    /// Wall-clock and process CPU time per change of one round, in ns. CPU time is what the process
    /// spent on all its threads: on a machine shared with other work it is steadier than wall time.
    struct Timing {
        var wall: Double
        var cpu: Double
    }

    static func timed<T>(_ count: Int, _ round: () async -> T) async -> (timing: Timing, result: T) {
        let (wallStart, cpuStart) = (ContinuousClock.now, processCPUTime())
        let result = await round()
        let (wall, cpu) = ((ContinuousClock.now - wallStart).triageSeconds, processCPUTime() - cpuStart)
        return (Timing(wall: wall * 1e9 / Double(count), cpu: cpu * 1e9 / Double(count)), result)
    }

    /// Seconds of CPU the process has used (`CLOCK_PROCESS_CPUTIME_ID`).
    static func processCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The handler's body called for every change, with the context the runner would build: the baseline.
    static func direct(_ changes: [HandlerChange]) async {
        let count = Atomic<Int>(0)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        for change in changes {
            let context = HandlerContext(object: change.object, body: change.body, cause: change.cause, retry: 0, started: Date(),
                                         handlerID: "h", logger: logger)
            if context.retry == 0 { count.add(1, ordering: .relaxed) }
        }
    }

    /// Every change submitted to a runner with in-memory progress, timed until all are handled.
    static func throughRunner(_ changes: [HandlerChange]) async -> InMemoryProgressStore {
        let count = Atomic<Int>(0)
        let store = InMemoryProgressStore()
        let runner = HandlerRunner(handlers: [Handler(id: "h") { _ in count.add(1, ordering: .relaxed) }], store: store,
                                   clock: ContinuousClock(), logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { await runner.run() }
        for change in changes { runner.submit(change) }
        runner.finish()
        await running.value
        precondition(count.load(ordering: .relaxed) == changes.count, "the runner skipped changes")
        return store
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// One change handled at the first attempt against the fake API server, progress in annotations:
    /// the requests it made to the object and to events.
    static func requestsPerHandledChange() async throws -> (objectWrites: Int, events: Int) {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: nil)
        let collection = "/apis/example.com/v1/namespaces/bench/widgets"
        server.create(in: collection, name: "w", data: ["size": "1"])
        let configuration = KubernetesConfiguration(server: server.url, certificateAuthorityPEM: Array(server.certificates.ca.certificatePEM.utf8),
                                                    credentials: .init(bearer: .token("triage-test-token")))
        let counts = try await KubernetesClient.withClient(configuration: configuration) { client in
            let object = try await client.get(collection + "/w")
            guard let change = HandlerChange(WatchChange(type: .added, object: object, fromList: true)) else { return (0, 0) }
            let store = AnnotationProgressStore(client: client, collection: collection)
            let runner = HandlerRunner(handlers: [Handler(id: "provision") { _ in }], store: store,
                                       reporter: KubernetesHandlerReporter(client: client, collection: collection),
                                       clock: ContinuousClock(), logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
            let before = server.requests.count
            let running = Task { await runner.run() }
            runner.submit(change)
            runner.finish()
            await running.value
            let made = server.requests.dropFirst(before)
            return (made.filter { $0.contains("/widgets/w") }.count, made.filter { $0.contains("/events") }.count)
        }
        await server.shutdown()
        return counts
    }
}
