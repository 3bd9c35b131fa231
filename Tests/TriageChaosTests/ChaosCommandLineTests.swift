import Foundation
import Testing
import TriageChaos
import TriageTestSupport

/// `triage chaos` and `triage bench storm` as a user runs them: exit statuses and messages.
/// Serialized, and each child process is waited for off the cooperative pool, so these tests do not
/// starve the timing-sensitive lab tests running beside them.
@Suite(.serialized) struct ChaosCommandLineTests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage")
    }

    static func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the triage product first")
        return try await ChildProcess.run(binary.path, arguments)
    }

    @Test(arguments: [
        (["chaos", "serve", "--error-rate", "2"], "error_rate"),
        (["chaos", "serve", "--latency", "soon"], "latency"),
        (["chaos", "serve", "--fault", "explode"], "--fault"),
        (["chaos", "serve", "--host", "0.0.0.0"], "loopback"),
        (["chaos", "serve", "--scenario", "/nonexistent.yaml"], "cannot read"),
        (["chaos", "proxy", "--upstream", "10.0.0.1:80"], "loopback"),
        (["chaos", "proxy", "--upstream", "127.0.0.1:80", "--reset", "--blackhole"], "reset and blackhole"),
        (["chaos", "proxy"], "--upstream"),
        // It connected to itself until it ran out of descriptors (5,418 connections in 3 s).
        (["chaos", "proxy", "--listen", "127.0.0.1:18777", "--upstream", "localhost:18777"], "own --listen"),
        // It printed a raw NSCocoaErrorDomain error and exited 1.
        (["chaos", "kube", "--kubeconfig", "/nonexistent/dir/kc"], "cannot write"),
        (["bench", "storm", "--step", "7"], "--step"),
        (["bench", "storm", "--target", "http://192.0.2.1/"], "loopback"),
        (["demo", "--requests", "0"], "--requests"),
    ])
    func usageErrorsExitTwo(arguments: [String], message: String) async throws {
        let result = try await Self.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    /// A port another process holds is bad usage with a plain message; it was exit 1 with NIO's bind error.
    @Test func aPortInUseExitsTwo() async throws {
        let holder = try await ChaosServer.start()
        let serve = try await Self.run(["chaos", "serve", "--port", String(holder.port), "--duration", "0.3"])
        let proxy = try await Self.run(["chaos", "proxy", "--listen", "127.0.0.1:\(holder.port)", "--upstream", "127.0.0.1:9", "--duration", "0.3"])
        await holder.shutdown()
        for result in [serve, proxy] {
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("already in use"), "\(result.stderr)")
        }
    }

    @Test func serveAnnouncesItsAddressAndStops() async throws {
        let result = try await Self.run(["chaos", "serve", "--port", "0", "--error-rate", "0.5", "--seed", "3", "--duration", "0.3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("listening on http://127.0.0.1:"))
        #expect(result.stdout.contains("\"error_rate\":0.5"))
        #expect(result.stdout.contains("stopped"))
    }

    @Test func proxyAnnouncesItsAddressAndStops() async throws {
        let result = try await Self.run(["chaos", "proxy", "--upstream", "127.0.0.1:9", "--latency", "5", "--duration", "0.3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("listening on 127.0.0.1:"))
    }

    /// Off a terminal the demo prints one line per run, then the table.
    @Test func demoPrintsTheComparisonTable() async throws {
        let result = try await Self.run(["demo", "--requests", "10", "--rate", "1000", "--concurrency", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("running total outage / naive ..."))
        let table = result.stdout.split(separator: "\n").filter { $0.hasPrefix("20% 503s") || $0.hasPrefix("total outage") || $0.hasPrefix("throttling") }
        #expect(table.count == 9, "\(result.stdout)")  // 3 phases × 3 policies
    }

    @Test func stormAgainstATargetPrintsJSON() async throws {
        try await ChaosServer.with { server in
            let result = try await Self.run(["bench", "storm", "--json", "--target", server.url("/"), "--requests", "5", "--concurrency", "2"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let rows = try #require(object["rows"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["policy"] as? String == "standard")
            #expect(rows.first?["offered"] as? Int == 5)
            #expect(server.stats.requests == 5)
        }
    }
}
