import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// `triage kube` as outside checks drive it (kube-cli.md): the built binary against the fake server.
@Suite struct KubeCommandLineTests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage").path
    }

    static var built: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    static func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(binary, arguments)
    }

    /// A started server with a kubeconfig for it.
    static func with(_ body: (FakeKubernetesServer, String) async throws -> Void) async throws {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: .milliseconds(300))
        let directory = try TemporaryDirectory()
        do {
            let kubeconfig = try server.writeKubeconfig(to: directory.path + "/kubeconfig")
            try await body(server, kubeconfig)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    static func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func getPrintsTheObjectAndFailuresAsProbeDoes() async throws {
        try await Self.with { server, kubeconfig in
            server.create(in: FakeCluster.configmaps, name: "a", data: ["k": "v"])
            let found = try await Self.run(["kube", "get", "--kubeconfig", kubeconfig, FakeCluster.configmaps + "/a"])
            #expect(found.status == 0)
            let object = try #require(JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [String: Any])
            #expect((object["data"] as? [String: String]) == ["k": "v"])
            let missing = try await Self.run(["kube", "get", "--json", "--kubeconfig", kubeconfig, FakeCluster.configmaps + "/nope"])
            #expect(missing.status == 1)
            let report = try #require(JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any])
            #expect(report["kind"] as? String == "http.notFound")
            #expect(report["status"] as? Int == 404)
            #expect((report["api"] as? [String: Any])?["reason"] as? String == "NotFound")
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func listFollowsContinueTokens() async throws {
        try await Self.with { server, kubeconfig in
            for index in 0..<7 { server.create(in: FakeCluster.configmaps, name: "cm-\(index)") }
            let result = try await Self.run(["kube", "list", "--json", "--limit", "3", "--kubeconfig", kubeconfig, FakeCluster.configmaps])
            #expect(result.status == 0)
            let list = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect((list["items"] as? [Any])?.count == 7)
            #expect(list["resourceVersion"] as? String == String(server.resourceVersion))
            #expect(server.requests.filter { $0.contains("limit=3") }.count == 3)
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func watchSurvivesACompactionWithOneRelistAndEndsWithTheServersState() async throws {
        try await Self.with { server, kubeconfig in
            for index in 0..<4 { server.create(in: FakeCluster.configmaps, name: "cm-\(index)") }
            let child = Task { try await Self.run(["kube", "watch", "--json", "--duration", "5", "--timeout-seconds", "1",
                                                   "--kubeconfig", kubeconfig, FakeCluster.configmaps]) }
            #expect(await eventually { server.openWatches == 1 })
            server.create(in: FakeCluster.configmaps, name: "live")
            try await Task.sleep(for: .milliseconds(300))
            server.compact {
                server.create(in: FakeCluster.configmaps, name: "during-compaction")
                server.delete(in: FakeCluster.configmaps, name: "cm-1")
            }
            let result = try await child.value
            #expect(result.status == 0, "\(result.stderr)")
            let lines = try Self.lines(result.stdout)
            let state = try #require(lines.last)
            #expect(state["type"] as? String == "state")
            #expect(state["lists"] as? Int == 2)
            #expect((state["watches"] as? Int ?? 0) >= 3)
            let objects = (state["objects"] as? [[String: String]] ?? []).map { "\($0["namespace"]!)/\($0["name"]!)@\($0["resourceVersion"]!)" }
            #expect(objects == FakeCluster.serverState(server))
            // Replaying the event lines from an empty cache gives the final state.
            var replayed: [String: String] = [:]
            for line in lines where line["type"] as? String == "event" {
                let key = "\(line["namespace"] as! String)/\(line["name"] as! String)"
                if line["event"] as? String == "DELETED" { replayed[key] = nil } else { replayed[key] = line["resourceVersion"] as? String }
            }
            #expect(replayed.map { "\($0.key)@\($0.value)" }.sorted() == objects)
            let kinds = lines.filter { $0["type"] as? String == "decision" }.compactMap { $0["kind"] as? String }
            #expect(kinds.contains("watch.expired"))
            #expect(kinds.contains("stream.ended"))
        }
    }

    /// The watch runs as a Service in a ServiceGroup: SIGTERM shuts it down gracefully, with the final
    /// state printed and exit 0.
    @Test(.enabled(if: built, "build the triage product first"))
    func sigtermStopsTheWatchGracefully() async throws {
        try await Self.with { server, kubeconfig in
            server.create(in: FakeCluster.configmaps, name: "one")
            let output = try TemporaryDirectory()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["kube", "watch", "--json", "--kubeconfig", kubeconfig, FakeCluster.configmaps]
            let stdout = output.path + "/stdout"
            FileManager.default.createFile(atPath: stdout, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Until the watch is open (the list printed its object), then SIGTERM.
            let deadline = ContinuousClock.now + .seconds(30)
            while server.openWatches == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.openWatches == 1)
            kill(process.processIdentifier, SIGTERM)
            await process.exited()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            let lines = try Self.lines(String(decoding: FileManager.default.contents(atPath: stdout) ?? Data(), as: UTF8.self))
            #expect(lines.first?["name"] as? String == "one")
            #expect(lines.last?["type"] as? String == "state")
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func unauthorizedWatchIsReportedAndRetriedNotACrashLoop() async throws {
        try await Self.with { server, kubeconfig in
            let result = try await Self.run(["kube", "watch", "--json", "--duration", "2", "--token", "wrong-secret-token",
                                             "--kubeconfig", kubeconfig, FakeCluster.configmaps])
            #expect(result.status == 0)
            let decisions = try Self.lines(result.stdout).filter { $0["type"] as? String == "decision" }
            #expect(decisions.count == 1)
            #expect(decisions.first?["kind"] as? String == "http.unauthorized")
            #expect((decisions.first?["delay_s"] as? Double ?? 0) >= 15)
            #expect(server.requests.count == 1)
            #expect(!result.stdout.contains("wrong-secret-token") && !result.stderr.contains("wrong-secret-token"))
        }
    }

    /// A 429 on the first list, waited out inside the client, still prints its decision line.
    @Test(.enabled(if: built, "build the triage product first"))
    func aThrottledListPrintsItsDecisionBeforeItsEvents() async throws {
        try await Self.with { server, kubeconfig in
            server.create(in: FakeCluster.configmaps, name: "one")
            server.injectListFaults([.throttle(retryAfterSeconds: 1)])
            let result = try await Self.run(["kube", "watch", "--json", "--duration", "3", "--kubeconfig", kubeconfig, FakeCluster.configmaps])
            #expect(result.status == 0)
            let lines = try Self.lines(result.stdout)
            #expect(lines.first?["type"] as? String == "decision")
            #expect(lines.first?["kind"] as? String == "http.throttled")
            #expect(lines.first?["decision"] as? String == "retryAfter")
            #expect((lines.first?["delay_s"] as? Double ?? 0) >= 1, "Retry-After, plus the pipeline's jitter")
            #expect(lines.dropFirst().first?["name"] as? String == "one")
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func badUsageExitsTwo() async throws {
        let notAPath = try await Self.run(["kube", "get", "--server", "https://127.0.0.1:1", "configmaps/a"])
        #expect(notAPath.status == 2)
        // A --duration past Int64 milliseconds trapped (exit 132); a nanosecond stall timeout reconnected in a loop.
        for flags in [["--duration", "1e300"], ["--duration", "1e17"], ["--stall-timeout", "1e-9"], ["--timeout-seconds", "99999999999"]] {
            let huge = try await Self.run(["kube", "watch", "--server", "https://127.0.0.1:1"] + flags + [FakeCluster.configmaps])
            #expect(huge.status == 2, "\(flags)")
        }
        let directory = try TemporaryDirectory()
        let kubeconfig = directory.path + "/exec"
        try """
        clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: u, user: {exec: {command: gke-gcloud-auth-plugin}}}]
        contexts: [{name: c, context: {cluster: k, user: u}}]
        current-context: c
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let refused = try await Self.run(["kube", "list", "--kubeconfig", kubeconfig, FakeCluster.configmaps])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("gke-gcloud-auth-plugin"))
        let malformed = directory.path + "/bad"
        try "clusters: {oops".write(toFile: malformed, atomically: true, encoding: .utf8)
        let bad = try await Self.run(["kube", "watch", "--kubeconfig", malformed, FakeCluster.configmaps])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("malformed"))
        // Found while running, after the arguments parsed: the root command's usage would only mislead.
        #expect(!bad.stderr.contains("Usage:"), "\(bad.stderr)")
        #expect(!refused.stderr.contains("Usage:"), "\(refused.stderr)")
    }
}
