import Foundation
import Testing
import Triage
import TriageChaos
import TriageTestSupport

/// Failures that need a network of their own: routes that reject, in a private network namespace
/// (`ip netns`), probed by the `triage` binary run inside it. Needs root and iproute2; skipped with a
/// printed reason otherwise. Only TEST-NET addresses are used, and the namespace has no link out, so
/// no packet leaves the machine.
@Suite(.serialized) struct NetworkNamespaceLabTests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage")
    }

    @discardableResult
    static func shell(_ arguments: [String]) -> (status: Int32, output: String) {
        guard let result = try? ChildProcess.runBlocking(arguments[0], Array(arguments.dropFirst())) else { return (-1, "") }
        return (result.status, result.stdout)
    }

    /// Why the namespace cases cannot run here, or `nil` when they can.
    static var unavailableReason: String? {
        if getuid() != 0 { return "not root" }
        if shell(["ip", "-V"]).status != 0 { return "iproute2 (ip) is not installed" }
        if !FileManager.default.isExecutableFile(atPath: binary.path) { return "the triage binary is not built" }
        return nil
    }

    @Test func rejectingRoutes() throws {
        let cases = [
            ("unreachable route", "192.0.2.1", "EHOSTUNREACH"),
            ("prohibit route", "192.0.2.2", "EACCES from connect"),
            ("blackhole route", "192.0.2.3", "EINVAL from connect"),
            ("no route", "198.51.100.1", "ENETUNREACH"),
        ]
        if let reason = Self.unavailableReason {
            for (mode, _, _) in cases { LabReport.skip(mode: mode, stack: "AsyncHTTPClient", reason: reason) }
            return
        }
        let namespace = "triage-lab-\(getpid())"
        guard Self.shell(["ip", "netns", "add", namespace]).status == 0 else {
            for (mode, _, _) in cases { LabReport.skip(mode: mode, stack: "AsyncHTTPClient", reason: "ip netns add failed (no namespace support)") }
            return
        }
        defer { Self.shell(["ip", "netns", "del", namespace]) }
        Self.shell(["ip", "-n", namespace, "link", "set", "lo", "up"])
        Self.shell(["ip", "-n", namespace, "route", "add", "unreachable", "192.0.2.1/32"])
        Self.shell(["ip", "-n", namespace, "route", "add", "prohibit", "192.0.2.2/32"])
        Self.shell(["ip", "-n", namespace, "route", "add", "blackhole", "192.0.2.3/32"])

        for (mode, address, detail) in cases {
            let start = ContinuousClock.now
            let result = Self.shell(["ip", "netns", "exec", namespace, Self.binary.path, "probe", "--json", "--connect-timeout", "2", "http://\(address)/"])
            let json = try #require(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(mode): \(result.output)")
            #expect(json["kind"] as? String == "network.unreachable", "\(mode)")
            #expect(json["delivery"] as? String == "notSent", "\(mode)")
            #expect((json["error"] as? String)?.contains(detail) == true, "\(mode): \(json["error"] ?? "")")
            LabReport.recordProbe(mode: mode, json: json, since: start)
        }
        LabReport.skip(mode: "dropped SYN", stack: "AsyncHTTPClient",
                       reason: "needs a packet filter in the namespace; the full-backlog listener produces the same connect.timeout")
    }
}

extension LabReport {
    /// Records a row from the probe's JSON (the namespace cases run the binary, not the library).
    static func recordProbe(mode: String, json: [String: Any], since start: ContinuousClock.Instant) {
        struct ProbeError: Error, CustomStringConvertible { var description: String }
        let kind = FailureKind(id: json["kind"] as? String ?? "unknown", decision: Decision(rawValue: json["decision"] as? String ?? "fail") ?? .fail,
                               delivery: Delivery(rawValue: json["delivery"] as? String ?? "maybeProcessed") ?? .maybeProcessed, summary: "")
        let failure = Failure(kind, underlying: ProbeError(description: json["error"] as? String ?? ""))
        record(mode: mode, stack: "AsyncHTTPClient", error: failure, chain: .core, since: start)
    }
}
