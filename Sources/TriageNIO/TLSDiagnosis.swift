import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

/// Finds out why a server's certificate failed verification, which BoringSSL does not say
/// (expired, self-signed and unknown-CA all read CERTIFICATE_VERIFY_FAILED), with swift-certificates'
/// `Verifier`: its path building to the trust roots, `RFC5280Policy` (validity periods, basic
/// constraints, key usage) and `ServerIdentityPolicy` (RFC 6125 names, wildcards, IP addresses).
///
/// ``analyse(chain:host:trustRoots:now:)`` decides, in this order:
/// 1. no path from the leaf to a trust root: `tls.certificateExpired` when a certificate of the chain
///    as sent is outside its validity period, else `tls.certificateUntrusted` (self-signed, unknown
///    issuer);
/// 2. a path that `RFC5280Policy` refuses at `now`: `tls.certificateExpired` when a certificate on it
///    (the leaf, an intermediate or the root) is outside its validity period, else
///    `tls.certificateInvalid` (basic constraints, name constraints, version);
/// 3. `ServerIdentityPolicy` refuses the host: `tls.hostnameMismatch`;
/// 4. everything verifies: `nil` (the handshake failed for another reason).
///
/// ``diagnose(host:port:serverName:additionalTrustRoots:now:eventLoopGroup:connectTimeout:)``
/// connects once more with verification replaced by a callback that records the peer's chain.
public enum TLSDiagnosis {
    /// The kind that explains why `chain` (leaf first, as the server sent it) fails for `host`, or
    /// `nil` when it verifies.
    /// - Parameter trustRoots: the roots to build a path to (the system's are ``CertificateStore/systemTrustRoots``).
    public static func analyse(chain: [Certificate], host: String, trustRoots: CertificateStore, now: Date = Date()) async -> FailureKind? {
        guard let leaf = chain.first else { return .tlsCertificateInvalid }
        let intermediates = CertificateStore(chain.dropFirst())
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]."))
        let isIP = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        var atNow = Verifier(rootCertificates: trustRoots) { RFC5280Policy(fixedValidationTime: now) }
        switch await atNow.validate(leaf: leaf, intermediates: intermediates) {
        case .couldNotValidate(let failures) where failures.isEmpty:
            // No chain reached a root, so no policy judged one: read the chain as it was sent.
            let outside = chain.contains { now < $0.notValidBefore || now > $0.notValidAfter }
            return outside ? .tlsCertificateExpired : .tlsCertificateUntrusted
        case .couldNotValidate(let failures):
            // A path reached a root and RFC 5280 refused it: expired when a certificate on it is outside
            // its validity period now.
            let expired = failures.contains { failure in failure.chain.contains { now < $0.notValidBefore || now > $0.notValidAfter } }
            return expired ? .tlsCertificateExpired : .tlsCertificateInvalid
        case .validCertificate:
            break
        }
        var named = Verifier(rootCertificates: trustRoots) {
            RFC5280Policy(fixedValidationTime: now)
            ServerIdentityPolicy(serverHostname: isIP ? nil : name, serverIP: isIP ? name : nil)
        }
        if case .couldNotValidate = await named.validate(leaf: leaf, intermediates: intermediates) { return .tlsHostnameMismatch }
        return nil
    }

    /// Connects to `host:port` again, records the certificate chain and analyses it against the
    /// system's trust roots (``CertificateStore/systemTrustRoots``) and `additionalTrustRoots`.
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
        let roots = CertificateStore.systemTrustRoots.appending(contentsOf: additionalTrustRoots)
        guard let kind = await analyse(chain: chain, host: serverName ?? host, trustRoots: roots, now: now) else { return nil }
        return Failure(kind, detail: "diagnosed from the peer chain")
    }

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

    private static func peerChain(host: String, port: Int, serverName: String, eventLoopGroup: any EventLoopGroup,
                                  timeout: TimeAmount) async throws -> [Certificate] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: configuration)
        let recorded = NIOLockedValueBox<[NIOSSLCertificate]>([])
        let handshake = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)
        let sni = (try? SocketAddress(ipAddress: serverName, port: 0)) == nil ? serverName : nil
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
