import Foundation
import Testing
import TriageChaos
import TriageTestSupport
import TriageKubernetes

/// `triage kube handle` as outside checks drive it (handlers-cli.md): the built binary against the fake
/// API server, SIGKILLed and started again.
@Suite(.serialized) struct KubeHandleCommandLineTests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage").path
    }

    static var built: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    static let widgets = KubernetesHandlerTests.widgets

    /// A fake server, a kubeconfig for it, a client, and a scratch directory.
    struct Cluster {
        var server: FakeKubernetesServer
        var kubeconfig: String
        var directory: String
        var client: KubernetesClient<ContinuousClock>
    }

    static func with(_ body: (Cluster) async throws -> Void) async throws {
        let server = try await FakeKubernetesServer.start(bookmarkInterval: .milliseconds(300))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triage-handle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let kubeconfig = try server.writeKubeconfig(to: directory + "/kubeconfig")
            let configuration = try KubernetesConfiguration.load(kubeconfig: kubeconfig)
            try await KubernetesClient.withClient(configuration: configuration, pipeline: KubernetesHandlerTests.pipeline) { client in
                try await body(Cluster(server: server, kubeconfig: kubeconfig, directory: directory, client: client))
            }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// Writes a handler script that logs `retry started cause` to `log` and then runs `tail` (shell).
    static func script(in directory: String, named name: String, _ tail: String) throws -> String {
        let path = directory + "/" + name + ".sh"
        let text = """
        #!/bin/sh
        log="\(directory)/\(name).log"
        echo "$TRIAGE_RETRY $TRIAGE_STARTED $TRIAGE_CAUSE $TRIAGE_OBJECT_NAME" >> "$log"
        runs=$(wc -l < "$log")
        \(tail)
        """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func lines(of path: String) -> [[String]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// Starts `triage kube handle` on the collection with `script`.
    static func start(_ cluster: Cluster, script: String, flags: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["kube", "handle", "--kubeconfig", cluster.kubeconfig, "--json"] + flags + [widgets, "--", "/bin/sh", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGKILLs the runner and waits until it is gone (off the cooperative pool).
    static func kill(_ process: Process) async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        await process.exited()
    }

    /// Waits (polling, 30 s at most) until `condition` holds.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    static func annotations(_ name: String, _ client: KubernetesClient<ContinuousClock>) async throws -> [String: String] {
        let object = try await client.get(widgets + "/" + name)
        let json = try JSONSerialization.jsonObject(with: Data(object.json)) as? [String: Any]
        return ((json?["metadata"] as? [String: Any])?["annotations"] as? [String: String]) ?? [:]
    }

    static func progress(_ name: String, _ client: KubernetesClient<ContinuousClock>) async throws -> [String: Any]? {
        guard let text = try await annotations(name, client)["triage.dev/progress"] else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func aKilledRunnerResumesWithItsRetriesAndStart() async throws {
        try await Self.with { cluster in
            cluster.server.create(in: Self.widgets, name: "w", data: ["size": "1"])
            let script = try Self.script(in: cluster.directory, named: "w", """
            # A long first delay: the test kills the runner inside it (8 s: a loaded machine's test
            # process polls slowly, and must see the first attempt recorded before the second runs).
            if [ "$runs" -eq 1 ]; then echo "delay=8"; echo "not ready" >&2; exit 75; fi
            if [ "$runs" -eq 2 ]; then echo "delay=0.5"; echo "not ready" >&2; exit 75; fi
            exit 0
            """)
            let log = cluster.directory + "/w.log"
            let first = try Self.start(cluster, script: script)
            // Killed during the first delay, once the attempt is recorded.
            #expect(try await Self.eventually { try await Self.progress("w", cluster.client)?["retries"] as? Int == 1 })
            await Self.kill(first)
            let second = try Self.start(cluster, script: script)
            defer { Foundation.kill(second.processIdentifier, SIGKILL) }
            #expect(try await Self.eventually { try await Self.annotations("w", cluster.client)["triage.dev/last-handled"] != nil })
            let runs = Self.lines(of: log)
            #expect(runs.map { $0[0] } == ["0", "1", "2"])
            #expect(Set(runs.map { $0[1] }).count == 1, "TRIAGE_STARTED changed: \(runs)")
            #expect(runs.map { $0[2] } == ["create", "resume", "resume"] || runs.map { $0[2] } == ["create", "resume", "update"])
            let progress = try #require(try await Self.progress("w", cluster.client))
            #expect(progress["success"] as? Bool == true)
            #expect(progress["retries"] as? Int == 2)
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func thePermanentlyFailedChangeIsNotRunAgainAfterARestart() async throws {
        try await Self.with { cluster in
            cluster.server.create(in: Self.widgets, name: "p", data: ["size": "-1"])
            let script = try Self.script(in: cluster.directory, named: "p", """
            echo "size must be positive" >&2; exit 65
            """)
            let first = try Self.start(cluster, script: script)
            #expect(try await Self.eventually { try await Self.annotations("p", cluster.client)["triage.dev/last-handled"] != nil })
            await Self.kill(first)
            let second = try Self.start(cluster, script: script)
            try await Task.sleep(for: .seconds(2))
            await Self.kill(second)
            #expect(Self.lines(of: cluster.directory + "/p.log").count == 1)
            let progress = try #require(try await Self.progress("p", cluster.client))
            #expect(progress["failure"] as? Bool == true)
            #expect(progress["message"] as? String == "size must be positive")
        }
    }

    @Test(.enabled(if: built, "build the triage product first"))
    func theOverallTimeoutCountsTheTimeTheRunnerWasDown() async throws {
        try await Self.with { cluster in
            cluster.server.create(in: Self.widgets, name: "t", data: ["size": "1"])
            let script = try Self.script(in: cluster.directory, named: "t", """
            echo "delay=2"; exit 75
            """)
            let first = try Self.start(cluster, script: script, flags: ["--timeout", "4"])
            #expect(try await Self.eventually { try await Self.progress("t", cluster.client)?["retries"] as? Int == 1 })
            await Self.kill(first)
            try await Task.sleep(for: .seconds(4.5))   // down longer than the timeout
            let second = try Self.start(cluster, script: script, flags: ["--timeout", "4"])
            defer { Foundation.kill(second.processIdentifier, SIGKILL) }
            #expect(try await Self.eventually { try await Self.annotations("t", cluster.client)["triage.dev/last-handled"] != nil })
            #expect(Self.lines(of: cluster.directory + "/t.log").count == 1)
            let progress = try #require(try await Self.progress("t", cluster.client))
            #expect(progress["kind"] as? String == "handler.timeout")
            #expect(progress["failure"] as? Bool == true)
        }
    }
}

extension KubeHandleCommandLineTests {
    /// kube-cli.md: exit 1 when the watch cannot go on (here: the list is refused as a bad request, which
    /// no retry mends), instead of waiting for a signal with nothing to handle.
    @Test(.enabled(if: built, "build the triage product first"))
    func aWatchThatGivesUpEndsTheCommandWithExit1() async throws {
        let refusal = #"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","code":400,"message":"unable to parse the selector"}"#
        let result = try await FaultServer.with(.respond(status: 400, headers: [("Content-Type", "application/json")], body: refusal)) { server in
            try await ChildProcess.run(Self.binary, ["kube", "handle", "--server", server.url(), "--token", "t", "--json",
                                                      Self.widgets, "--", "/bin/true"])
        }
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""decision": "giveUp""#))
    }
}

extension KubeHandleCommandLineTests {
    /// When the handler's first run started (its log line), after sending SIGTERM then when `terminating`.
    static func handlerStarted(_ pid: Int32, log: String, terminating: Bool) async throws -> ContinuousClock.Instant {
        if terminating { return try await terminate(pid, once: log) }
        #expect(try await eventually { lines(of: log).count == 1 }, "the handler never started")
        return ContinuousClock.now
    }

    /// Sends SIGTERM to `pid` once the handler has logged its run; returns when it was sent.
    static func terminate(_ pid: Int32, once log: String) async throws -> ContinuousClock.Instant {
        _ = try await eventually { lines(of: log).count == 1 }
        Foundation.kill(pid, SIGTERM)
        return ContinuousClock.now
    }

    /// handlers-cli.md `--duration`: a handler still running 2 s after the stop is terminated and its
    /// progress saved as not done (started kept, neither success nor failure), so the next runner resumes
    /// the change with the same TRIAGE_STARTED and retry (an interrupted attempt did not fail: it is not
    /// counted, as after a SIGKILL it runs again with the same retry number). SIGTERM takes the same path.
    @Test(.enabled(if: built, "build the triage product first"), arguments: ["duration", "sigterm"])
    func aStoppedRunnerSavesTheRunningHandlersProgressAsNotDone(stop: String) async throws {
        try await Self.with { cluster in
            cluster.server.create(in: Self.widgets, name: "d", data: ["size": "1"])
            let script = try Self.script(in: cluster.directory, named: "d", """
            if [ "$runs" -eq 1 ]; then sleep 12; fi
            exit 0
            """)
            let log = cluster.directory + "/d.log"
            // --duration 3: the runner must list and start the handler before the stop, on a loaded machine too.
            let first = try Self.start(cluster, script: script, flags: stop == "duration" ? ["--duration", "3"] : [])
            let handlerStarted = try await Self.handlerStarted(first.processIdentifier, log: log, terminating: stop == "sigterm")
            let exited = try await Self.eventually { !first.isRunning }
            if !exited { await Self.kill(first) }
            #expect(exited, "\(stop) did not stop the runner")
            // The stop comes at most 3 s after the handler started, the grace is 2 s: well before its 12 s sleep ends.
            #expect(ContinuousClock.now - handlerStarted < .seconds(9), "the handler was let run to its end")
            #expect(Self.lines(of: log).count == 1)
            let annotations = try await Self.annotations("d", cluster.client)
            #expect(annotations["triage.dev/last-handled"] == nil)
            #expect(annotations["triage.dev/handling"] != nil)
            let saved = try #require(try await Self.progress("d", cluster.client), "no progress saved: \(annotations)")
            #expect(saved["success"] as? Bool == false)
            #expect(saved["failure"] as? Bool == false)
            #expect(saved["retries"] as? Int == 0)
            #expect(saved["started"] as? String == Self.lines(of: log).first?[1])
            let second = try Self.start(cluster, script: script)
            defer { Foundation.kill(second.processIdentifier, SIGKILL) }
            #expect(try await Self.eventually { try await Self.annotations("d", cluster.client)["triage.dev/last-handled"] != nil })
            let runs = Self.lines(of: log)
            #expect(runs.map { $0[0] } == ["0", "0"])
            #expect(runs.map { $0[2] } == ["create", "resume"])
            #expect(Set(runs.map { $0[1] }).count == 1, "TRIAGE_STARTED changed: \(runs)")
            let progress = try #require(try await Self.progress("d", cluster.client))
            #expect(progress["success"] as? Bool == true)
            #expect(progress["started"] as? String == runs.first?[1])
        }
    }
}
