import Foundation
import Testing
import TriageChaos

/// `triage kube get` names a certificate failure exactly, as `triage probe` does (kube-cli.md):
/// BoringSSL reports expired, self-signed and unknown-CA alike, so the peer's chain is diagnosed.
@Suite struct KubeTLSDiagnosisTests {
    @Test(.enabled(if: KubeCommandLineTests.built, "build the triage product first"),
          arguments: [(TestCertificates.Flaw.expired, "tls.certificateExpired"), (.selfSigned, "tls.certificateUntrusted"),
                      (.untrustedCA, "tls.certificateUntrusted")])
    func certificateFailuresAreDiagnosedAsProbeDoes(flaw: TestCertificates.Flaw, kind: String) async throws {
        let certificates = try TestCertificates()
        let directory = try TemporaryDirectory()
        let cacert = directory.path + "/ca.crt"
        try certificates.ca.certificatePEM.write(toFile: cacert, atomically: true, encoding: .utf8)
        let tls = try TestCertificates.serverConfiguration(for: certificates.leaf(flaw: flaw))
        let result = try await FaultServer.with(.respond(status: 200, headers: [("Content-Type", "application/json")], body: "{}"), tls: tls) { server in
            try await KubeCommandLineTests.run(["kube", "get", "--json", "--server", "https://localhost:\(server.port)", "--cacert", cacert,
                                                "/api/v1/namespaces/default/configmaps/a"])
        }
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(report["kind"] as? String == kind, "\(result.stdout)")
    }
}
