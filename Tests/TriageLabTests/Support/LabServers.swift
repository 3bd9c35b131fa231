import NIOCore
import NIOSSL
import TriageChaos

/// The certificates every TLS case of the lab shares (made once per test process).
enum LabCertificates {
    static let shared: TestCertificates = try! TestCertificates()

    static func serverTLS(_ flaw: TestCertificates.Flaw) throws -> TLSConfiguration {
        try TestCertificates.serverConfiguration(for: shared.leaf(flaw: flaw))
    }

    /// A client configuration that trusts the lab's CA (not the untrusted one).
    static func clientTLS() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([try shared.ca.nioCertificate()])
        return configuration
    }
}

/// The modes of the lab that a server acts out.
enum LabMode: String, CaseIterable, Sendable {
    case reset, closed, truncated, readTimeout, chunkedStall, chunkedFIN, chunkedReset, garbage, redirectLoop, redirectChain

    var behaviour: FaultBehaviour {
        switch self {
        case .reset: .resetAfterRequest
        case .closed: .closeAfterRequest
        case .truncated: .truncatedBody(declared: 100, sent: 10)
        case .readTimeout: .stall
        case .chunkedStall: .chunkedStall
        case .chunkedFIN: .chunkedEndsWithFIN
        case .chunkedReset: .chunkedEndsWithReset
        case .garbage: .garbage
        case .redirectLoop: .redirectLoop
        case .redirectChain: .redirectChain
        }
    }

    var path: String {
        switch self {
        case .redirectLoop: "/loop/a"
        case .redirectChain: "/chain/0"
        default: "/"
        }
    }

    /// The read timeout a client needs to see this mode: short where the timeout is the failure, long
    /// elsewhere, so a loaded machine running every suite at once cannot turn a slow answer into a timeout.
    var clientReadTimeout: TimeAmount {
        self == .readTimeout || self == .chunkedStall ? .seconds(2) : .seconds(15)
    }

    /// The kind every stack should report.
    var expectedKind: String {
        switch self {
        case .reset: "connection.reset"
        case .closed: "connection.closed"
        case .truncated, .chunkedFIN: "response.incomplete"
        case .readTimeout, .chunkedStall: "response.timeout"
        case .chunkedReset: "connection.reset"
        case .garbage: "response.malformed"
        case .redirectLoop, .redirectChain: "redirect.tooMany"
        }
    }
}
