import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

/// Finds out why a server's certificate failed verification, which BoringSSL does not say
/// (expired, self-signed and unknown-CA all read CERTIFICATE_VERIFY_FAILED).
///
/// ``analyse(chain:host:trustRoots:now:)`` checks, in this order:
/// 1. a certificate of the chain outside its validity period → `tls.certificateExpired`;
/// 2. no path from the leaf to a trust root (self-signed, unknown issuer) → `tls.certificateUntrusted`;
/// 3. the leaf does not name the host (DNS and IP subject alternative names, `*.` wildcards for one
///    label; the common name only when there are no SANs) → `tls.hostnameMismatch`;
/// 4. anything else → `tls.certificateInvalid`.
///
/// ``diagnose(host:port:serverName:additionalTrustRoots:now:eventLoopGroup:connectTimeout:)``
/// connects once more with verification replaced by a callback that records the peer's chain.
public enum TLSDiagnosis {
    /// The kind that explains why `chain` (leaf first, as the server sent it) fails for `host`.
    public static func analyse(chain: [Certificate], host: String, trustRoots: [Certificate], now: Date = Date()) -> FailureKind {
        guard let leaf = chain.first else { return .tlsCertificateInvalid }
        for certificate in chain where now < certificate.notValidBefore || now > certificate.notValidAfter {
            return .tlsCertificateExpired
        }
        if !chainsToRoot(leaf: leaf, intermediates: Array(chain.dropFirst()), roots: trustRoots, now: now) {
            // An expired root or intermediate found while path-building counts as expired.
            return .tlsCertificateUntrusted
        }
        if !names(leaf, host: host) { return .tlsHostnameMismatch }
        return .tlsCertificateInvalid
    }

    /// Connects to `host:port` again, records the certificate chain and analyses it.
    ///
    /// - Parameters:
    ///   - serverName: the SNI and name to check; defaults to `host` (not sent when an IP literal).
    ///   - additionalTrustRoots: trusted in addition to the system roots (`--cacert`).
    ///   - connectTimeout: for the TCP connect and the handshake together (default 5 s).
    /// - Returns: the exact failure, or `nil` when no chain could be had (the server did not complete
    ///   a handshake) or the chain verifies (the original failure had another cause).
    public static func diagnose(
        host: String,
        port: Int,
        serverName: String? = nil,
        additionalTrustRoots: [Certificate] = [],
        now: Date = Date(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(5)
    ) async -> Failure? {
        guard let chain = try? await peerChain(host: host, port: port, serverName: serverName ?? host,
                                               eventLoopGroup: eventLoopGroup, timeout: connectTimeout),
              !chain.isEmpty
        else { return nil }
        let roots = systemTrustRoots() + additionalTrustRoots
        let name = serverName ?? host
        let kind = analyse(chain: chain, host: name, trustRoots: roots, now: now)
        if kind == .tlsCertificateInvalid, chainsToRoot(leaf: chain[0], intermediates: Array(chain.dropFirst()), roots: roots, now: now),
           names(chain[0], host: name) {
            return nil
        }
        return Failure(kind, detail: "diagnosed from the peer chain")
    }

    /// The certificates of the system trust store (`/etc/ssl/certs/ca-certificates.crt` and the
    /// other usual bundle paths); empty when none can be read. Read once per process.
    public static func systemTrustRoots() -> [Certificate] { systemRoots }

    private static let systemRoots: [Certificate] = {
        let bundles = [
            "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem",
        ]
        for path in bundles {
            if let certificates = try? loadPEMCertificates(path: path), !certificates.isEmpty { return certificates }
        }
        return []
    }()

    /// Every certificate in a PEM file.
    public static func loadPEMCertificates(path: String) throws -> [Certificate] {
        try parsePEMCertificates(String(contentsOfFile: path, encoding: .utf8))
    }

    /// Every certificate in PEM text (other PEM blocks are skipped).
    public static func parsePEMCertificates(_ text: String) throws -> [Certificate] {
        try PEMDocument.parseMultiple(pemString: text)
            .filter { $0.discriminator == "CERTIFICATE" }
            .map { try Certificate(pemDocument: $0) }
    }

    static func chainsToRoot(leaf: Certificate, intermediates: [Certificate], roots: [Certificate], now: Date) -> Bool {
        var current = leaf
        var pool = intermediates
        for _ in 0..<10 {
            if roots.contains(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) }) {
                return true
            }
            if roots.contains(current) { return true }
            guard let index = pool.firstIndex(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) }),
                  pool[index] != current
            else { return false }
            current = pool.remove(at: index)
        }
        return false
    }

    static func names(_ leaf: Certificate, host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]."))
        let sans = (try? leaf.extensions.subjectAlternativeNames) ?? nil
        guard let sans, !sans.isEmpty else {
            let commonNames = leaf.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
            return commonNames.contains { matches(pattern: String(describing: $0.value), host: host) }
        }
        let ip = ipBytes(host)
        for name in sans {
            switch name {
            case .dnsName(let pattern) where ip == nil:
                if matches(pattern: pattern, host: host) { return true }
            case .ipAddress(let octets):
                if let ip, Array(octets.bytes) == ip { return true }
            default:
                continue
            }
        }
        return false
    }

    private static func matches(pattern: String, host: String) -> Bool {
        let pattern = pattern.lowercased()
        if pattern == host { return true }
        guard pattern.hasPrefix("*.") else { return false }
        let suffix = pattern.dropFirst(1)
        guard host.hasSuffix(suffix) else { return false }
        return !host.dropLast(suffix.count).contains(".") && host.count > suffix.count
    }

    private static func ipBytes(_ host: String) -> [UInt8]? {
        if let address = try? SocketAddress(ipAddress: host, port: 0) {
            switch address {
            case .v4(let v4): return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
            case .v6(let v6): return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            default: return nil
            }
        }
        return nil
    }

    private static func peerChain(host: String, port: Int, serverName: String, eventLoopGroup: any EventLoopGroup,
                                  timeout: TimeAmount) async throws -> [Certificate] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: configuration)
        let recorded = NIOLockedValueBox<[NIOSSLCertificate]>([])
        let handshake = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)
        let sni = ipBytes(serverName) == nil ? serverName : nil
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: sni) { certificates, promise in
                        recorded.withLockedValue { $0 = certificates }
                        promise.succeed(.certificateVerified)
                    }
                    let waiter = HandshakeWaiter(promise: channel.eventLoop.makePromise())
                    handshake.withLockedValue { $0 = waiter.promise.futureResult }
                    try channel.pipeline.syncOperations.addHandlers(handler, waiter)
                }
            }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        defer { channel.close(mode: .all, promise: nil) }
        guard let completed = handshake.withLockedValue({ $0 }) else { return [] }
        // Bound the handshake too: a server may accept and never answer.
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(mode: .all, promise: nil) }
        defer { deadline.cancel() }
        try await completed.get()
        return try recorded.withLockedValue { try $0.map { try Certificate(derEncoded: $0.toDERBytes()) } }
    }
}

/// Completes a promise once, when the TLS handshake finishes or fails, or the channel goes away.
private final class HandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    let promise: EventLoopPromise<Void>
    private var done = false
    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    private func finish(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.eof))
        context.fireChannelInactive()
    }
}
