import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// Certificates made at run time for TLS fault servers: a CA, leaves it signs, a self-signed leaf,
/// expired and not-yet-valid leaves, and a leaf for the wrong host. No key is ever written to disk.
///
/// Keys are P-256; leaves are valid from one hour ago for one day unless made expired or not yet valid.
public struct TestCertificates: Sendable {
    /// A certificate with its private key, in the forms NIOSSL and PEM consumers need.
    public struct Identity: Sendable {
        public let certificate: Certificate
        public let privateKey: Certificate.PrivateKey
        /// The certificate as PEM text.
        public let certificatePEM: String

        /// The certificate for NIOSSL.
        public func nioCertificate() throws -> NIOSSLCertificate {
            try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        }

        /// The private key for NIOSSL.
        public func nioPrivateKey() throws -> NIOSSLPrivateKey {
            try NIOSSLPrivateKey(bytes: Array(privateKey.serializeAsPEM().pemString.utf8), format: .pem)
        }
    }

    /// What a leaf should be wrong about.
    public enum Flaw: String, Sendable, CaseIterable {
        /// Signed by ``ca`` for the requested names: valid when the CA is trusted.
        case none
        /// Signed by itself.
        case selfSigned
        /// Signed by ``ca``, expired a day ago.
        case expired
        /// Signed by ``ca``, valid only from tomorrow.
        case notYetValid
        /// Signed by ``ca`` for `wrong.example` only.
        case wrongHost
        /// Signed by a second CA that nobody trusts.
        case untrustedCA
    }

    /// The CA clients may be told to trust (`--cacert`).
    public let ca: Identity
    /// A CA nobody trusts, for ``Flaw/untrustedCA``.
    public let untrustedCA: Identity

    /// Makes two fresh CAs.
    public init() throws {
        ca = try Self.makeCA(name: "Triage Test CA")
        untrustedCA = try Self.makeCA(name: "Triage Untrusted CA")
    }

    /// A leaf for `hosts` (DNS names or IP literals) with the given flaw.
    public func leaf(for hosts: [String] = ["localhost", "127.0.0.1"], flaw: Flaw = .none) throws -> Identity {
        let now = Date()
        var notBefore = now.addingTimeInterval(-3600)
        var notAfter = now.addingTimeInterval(86_400)
        var names = hosts
        var issuer = ca
        switch flaw {
        case .none, .selfSigned: break
        case .expired:
            notBefore = now.addingTimeInterval(-3 * 86_400)
            notAfter = now.addingTimeInterval(-86_400)
        case .notYetValid:
            notBefore = now.addingTimeInterval(86_400)
            notAfter = now.addingTimeInterval(2 * 86_400)
        case .wrongHost:
            names = ["wrong.example"]
        case .untrustedCA:
            issuer = untrustedCA
        }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(names.first ?? "leaf") }
        let selfSigned = flaw == .selfSigned
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: selfSigned ? subject : issuer.certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map(Self.generalName))
            },
            issuerPrivateKey: selfSigned ? key : issuer.privateKey
        )
        return try Identity(certificate: certificate, privateKey: key, certificatePEM: certificate.serializeAsPEM().pemString)
    }

    /// A server TLS configuration presenting `identity`.
    public static func serverConfiguration(for identity: Identity) throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try identity.nioCertificate())],
            privateKey: .privateKey(try identity.nioPrivateKey())
        )
    }

    private static func makeCA(name: String) throws -> Identity {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(10 * 86_400),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: key
        )
        return try Identity(certificate: certificate, privateKey: key, certificatePEM: certificate.serializeAsPEM().pemString)
    }

    private static func generalName(_ host: String) -> GeneralName {
        if let v4 = IPv4Bytes(host) { return .ipAddress(ASN1OctetString(contentBytes: v4.bytes[...])) }
        return .dnsName(host)
    }
}

/// The four bytes of a dotted IPv4 literal.
struct IPv4Bytes {
    let bytes: [UInt8]
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        self.bytes = bytes
    }
}
