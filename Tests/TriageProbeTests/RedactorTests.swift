import Testing
@testable import TriageProbe

/// The redactor alone: which parts of a URL and of headers are secrets, and the forms they are
/// found in.
@Suite struct RedactorTests {
    @Test(arguments: [
        ("https://alice:pa55word@host.example/x", "https://alice:<redacted>@host.example/x", "pa55word"),
        ("https://alice:pa/ss@host.example/x", "https://alice:<redacted>@host.example/x", "pa/ss"),
        ("https://alice:pa?ss@host.example/x", "https://alice:<redacted>@host.example/x", "pa?ss"),
        ("https://alice:pa#ss@host.example/x", "https://alice:<redacted>@host.example/x", "pa#ss"),
        ("https://alice:p@ss@host.example:8443/x", "https://alice:<redacted>@host.example:8443/x", "p@ss"),
        ("https://ghp_TOKEN1234@github.example/repo", "https://<redacted>@github.example/repo", "ghp_TOKEN1234"),
        ("https://ghp_TOKEN1234:@github.example/repo", "https://<redacted>@github.example/repo", "ghp_TOKEN1234"),
    ])
    func userInfoIsMasked(url: String, shown: String, secret: String) {
        let redactor = Redactor(url: url, headers: [])
        #expect(redactor.displayURL(url) == shown)
        #expect(!redactor.redact("the server said: \(secret)").contains(secret))
    }

    @Test(arguments: ["http://127.0.0.1:8080/users/@me", "https://discord.example/api/users/@me", "http://[::1]:8080/a@b", "http://localhost/a?email=a@b.example"])
    func atSignsOutsideTheUserInfoAreKept(url: String) {
        #expect(Redactor(url: url, headers: []).displayURL(url) == url)
    }

    @Test func credentialQueryParametersAreMasked() {
        let url = "https://bucket.example/k?X-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Signature=abcdef0123&part=1&SIG=shortsig&Token=tok-xyz#access_token=frag-secret&state=ok"
        let redactor = Redactor(url: url, headers: [])
        let shown = redactor.displayURL(url)
        #expect(shown == "https://bucket.example/k?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&part=1&SIG=<redacted>&Token=<redacted>#access_token=<redacted>&state=ok")
        // Echoed, decoded: the credential's value arrives with its `/` decoded.
        #expect(redactor.redact("credential AKIDEXAMPLE/2026 not valid") == "credential <redacted> not valid")
    }

    /// A signature the redactor was never told of (another request's, echoed by a server) is masked by
    /// its form; a short hex run after `Signature=` is not a SigV4 signature and is kept.
    @Test func sigV4SignaturesAreMaskedByForm() {
        let redactor = Redactor(url: "http://127.0.0.1/", headers: [])
        let signature = String(repeating: "0123456789abcdef", count: 4)
        let echoed = "<Message>denied</Message><Auth>AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=\(signature)</Auth>"
            + " https://b.example/k?X-Amz-Signature=\(signature.uppercased())&x-id=GetObject Signature=0badc0de"
        #expect(redactor.redact(echoed) == "<Message>denied</Message><Auth>AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=<redacted></Auth>"
            + " https://b.example/k?X-Amz-Signature=<redacted>&x-id=GetObject Signature=0badc0de")
    }

    @Test(arguments: Redactor.secretHeaders.sorted())
    func everyCredentialHeaderIsSecret(name: String) {
        let redactor = Redactor(url: "http://127.0.0.1/", headers: [(name.uppercased(), "Scheme v4lue-\(name)")])
        #expect(redactor.redact("echo: Scheme v4lue-\(name)") == "echo: <redacted>")
        #expect(redactor.redact("token v4lue-\(name) alone") == "token <redacted> alone")
    }

    @Test func userMarkedHeadersAreSecretToo() {
        let headers = [(name: "X-Internal-Key", value: "internal-42"), (name: "X-Trace", value: "trace-42")]
        let redactor = Redactor(url: "http://127.0.0.1/", headers: headers, secretHeaderNames: ["x-internal-KEY"])
        #expect(redactor.redact("internal-42 trace-42") == "<redacted> trace-42")
        #expect(redactor.isSecretHeader("X-Internal-Key"))
    }

    @Test func basicCredentialsAreMaskedDecodedToo() {
        // "alice:s3cret-pw" in base64.
        let redactor = Redactor(url: "http://127.0.0.1/", headers: [("Authorization", "Basic YWxpY2U6czNjcmV0LXB3")])
        #expect(redactor.redact("user alice:s3cret-pw denied") == "user <redacted> denied")
        #expect(redactor.redact("password s3cret-pw denied") == "password <redacted> denied")
    }

    @Test func escapedAndEncodedFormsAreMasked() {
        let secret = "to\"k\\en/1"
        let redactor = Redactor(url: "http://127.0.0.1/", headers: [("X-Api-Key", secret)])
        for echoed in [#"to\"k\\en/1"#, "to%22k%5Cen%2F1", secret] {
            #expect(redactor.redact("got [\(echoed)]") == "got [<redacted>]", "form \(echoed)")
        }
    }

    @Test func controlCharactersAreEscapedVisibly() {
        #expect(TerminalText.escaped("a\u{1B}[31mred\u{9B}2J\u{7F}\n\u{202E}b") == #"a\u{1B}[31mred\u{9B}2J\u{7F}\u{A}\u{202E}b"#)
        #expect(TerminalText.escaped("plain café ✓") == "plain café ✓")
    }

    /// Found by the `redaction` fuzz target: Foundation's `replacingOccurrences` trapped ("String
    /// index is out of bounds") on a URL whose password held NUL and U+FFFD.
    @Test func aPasswordOfNULsAndReplacementCharactersIsMasked() {
        let bytes: [UInt8] = [0x6C, 0x74, 0x74, 0x70, 0x3A, 0x2F, 0x2F, 0x69, 0x5B, 0xAD, 0xAD, 0xAD, 0xAD, 0xAD, 0xAD, 0xAD, 0x31, 0xAD, 0xAD, 0x3A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0xAD, 0x5D, 0x3A, 0x38, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        let url = String(decoding: bytes, as: UTF8.self)
        let shown = Redactor(url: url, headers: []).displayURL(url)
        // Compared whole (Foundation's `contains` is what trapped).
        let colon = bytes.lastIndex(of: UInt8(ascii: ":"), before: bytes.firstIndex(of: UInt8(ascii: "@"))!)
        let at = bytes.firstIndex(of: UInt8(ascii: "@"))!
        let expected = String(decoding: bytes[...colon], as: UTF8.self) + "<redacted>" + String(decoding: bytes[at...], as: UTF8.self)
        #expect(Array(shown.utf8) == Array(expected.utf8))
    }
}

extension Array where Element == UInt8 {
    /// The last index of `byte` before `end`.
    func lastIndex(of byte: UInt8, before end: Int) -> Int {
        self[..<end].lastIndex(of: byte)!
    }
}
