import Foundation
import NIOSSL
import TriageChaos

/// The demo's tour: each failure mode acted out by a TriageChaos server on loopback and probed once.
public enum FailureTour {
    /// One probed mode.
    public struct Row: Sendable {
        public var mode: String
        public var expected: String
        public var kind: String
        public var decision: String
        public var delivery: String
        public var milliseconds: Double
        public var matchesExpectation: Bool { kind == expected }

        public func formatted() -> String {
            func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
            return pad(mode, 22) + pad(kind, 26) + pad(decision, 12) + pad(delivery, 16)
                + String(format: "%8.1f", milliseconds) + (matchesExpectation ? "" : "   (expected \(expected))")
        }
    }

    struct Case {
        var mode: String
        var expected: String
        var behaviour: FaultBehaviour?
        var flaw: TestCertificates.Flaw?
        var path = "/"
        var url: String?
    }

    static let cases: [Case] = [
        Case(mode: "refused", expected: "connect.refused"),
        Case(mode: "connect timeout", expected: "connect.timeout"),
        Case(mode: "reset", expected: "connection.reset", behaviour: .resetAfterRequest),
        Case(mode: "closed", expected: "connection.closed", behaviour: .closeAfterRequest),
        Case(mode: "truncated body", expected: "response.incomplete", behaviour: .truncatedBody(declared: 100, sent: 10)),
        Case(mode: "read timeout", expected: "response.timeout", behaviour: .stall),
        Case(mode: "not HTTP", expected: "response.malformed", behaviour: .garbage),
        Case(mode: "503 + Retry-After", expected: "http.unavailable", behaviour: .respond(status: 503, headers: [("Retry-After", "2")])),
        Case(mode: "429", expected: "http.throttled", behaviour: .respond(status: 429)),
        Case(mode: "404", expected: "http.notFound", behaviour: .respond(status: 404)),
        Case(mode: "409 Kubernetes", expected: "http.conflict", behaviour: .respond(
            status: 409, headers: [("Content-Type", "application/json")],
            body: #"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","message":"the object has been modified","code":409}"#)),
        Case(mode: "S3 NoSuchKey", expected: "http.notFound", behaviour: .respond(
            status: 404, headers: [("Content-Type", "application/xml")],
            body: "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>DEMO1</RequestId></Error>")),
        Case(mode: "redirect loop", expected: "redirect.tooMany", behaviour: .redirectLoop, path: "/loop/a"),
        Case(mode: "TLS self-signed", expected: "tls.certificateUntrusted", flaw: .selfSigned),
        Case(mode: "TLS expired", expected: "tls.certificateExpired", flaw: .expired),
        Case(mode: "TLS wrong host", expected: "tls.hostnameMismatch", flaw: .wrongHost),
        Case(mode: "invalid URL", expected: "request.invalidURL", url: "http://exa mple.com/"),
    ]

    /// Probes every mode, calling `report` with each row as it completes.
    public static func run(_ report: (Row) -> Void, header: (String) -> Void) async throws -> [Row] {
        let certificates = try TestCertificates()
        header("mode                  kind                      decision    delivery         time (ms)")
        var rows: [Row] = []
        for item in cases {
            var options = ProbeOptions(url: item.url ?? "")
            options.maximumAttempts = 1   // the tour shows each mode's classification, not its retries
            options.connectTimeout = .milliseconds(500)
            options.attemptTimeout = .seconds(2)
            options.readTimeout = .milliseconds(500)
            options.timeout = .seconds(5)
            var server: FaultServer?
            var listener: FullBacklogListener?
            switch item.mode {
            case "refused":
                options.url = "http://127.0.0.1:\(try LoopbackSockets.closedPort())/"
            case "connect timeout":
                listener = try FullBacklogListener()
                options.url = "http://127.0.0.1:\(listener!.port)/"
            default:
                if let flaw = item.flaw {
                    let tls = try TestCertificates.serverConfiguration(for: certificates.leaf(flaw: flaw))
                    server = try await FaultServer.start(.respond(status: 200), tls: tls)
                    options.extraRootsPEM = certificates.ca.certificatePEM
                    options.url = "https://localhost:\(server!.port)/"
                } else if let behaviour = item.behaviour {
                    server = try await FaultServer.start(behaviour)
                    options.url = server!.url(item.path)
                }
            }
            let started = ContinuousClock.now
            let result = await ProbeRunner(options: options).run()
            let elapsed = ContinuousClock.now - started
            await server?.shutdown()
            listener?.close()
            let row = Row(mode: item.mode, expected: item.expected, kind: result.kindID,
                          decision: result.failure?.decision.id ?? "-", delivery: result.failure?.delivery.id ?? "-",
                          milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            report(row)
            rows.append(row)
        }
        return rows
    }
}
