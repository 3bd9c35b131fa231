import AsyncHTTPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Testing
import TriageFoundation
import TriageHTTP

/// Every error value the classifiers know, constructed directly: the mapping tables, row by row.
@Suite struct ClassifierMappingTests {
    @Test(arguments: [
        (HTTPClientError.invalidURL, "request.invalidURL"), (.emptyHost, "request.invalidURL"),
        (.missingSocketPath, "request.invalidURL"), (.emptyScheme, "request.invalidURL"),
        (.unsupportedScheme("gopher"), "request.invalidURL"), (.readTimeout, "response.timeout"),
        (.writeTimeout, "response.timeout"), (.remoteConnectionClosed, "connection.closed"),
        (.cancelled, "cancelled"), (.requestStreamCancelled, "cancelled"),
        (.redirectLimitReached, "redirect.tooMany"), (.redirectCycleDetected, "redirect.tooMany"),
        (.uncleanShutdown, "tls.closed"), (.connectTimeout, "connect.timeout"),
        (.socksHandshakeTimeout, "connect.timeout"), (.httpProxyHandshakeTimeout, "connect.timeout"),
        (.getConnectionFromPoolTimeout, "connect.timeout"), (.tlsHandshakeTimeout, "tls.handshakeFailed"),
        (.deadlineExceeded, "deadline.exceeded"), (.invalidProxyResponse, "response.malformed"),
        (.proxyAuthenticationRequired, "http.clientError"),
        (.serverOfferedUnsupportedApplicationProtocol("h3"), "tls.handshakeFailed"),
        (.alreadyShutdown, "request.invalid"), (.identityCodingIncorrectlyPresent, "request.invalid"),
        (.chunkedSpecifiedMultipleTimes, "request.invalid"), (.contentLengthMissing, "request.invalid"),
        (.traceRequestWithBody, "request.invalid"), (.invalidHeaderFieldNames(["a b"]), "request.invalid"),
        (.invalidHeaderFieldValues(["\n"]), "request.invalid"), (.bodyLengthMismatch, "request.invalid"),
        (.writeAfterRequestSent, "request.invalid"), (.incompatibleHeaders, "request.invalid"),
        (.shutdownUnsupported, "request.invalid"), (.invalidRedirectConfiguration, "request.invalid"),
        (.invalidHTTPVersionConfiguration, "request.invalid"), (.invalidDNSOverridesConfiguration, "request.invalid"),
        (.invalidLocalAddress, "request.invalid"), (.invalidProxyConfiguration, "request.invalid"),
    ] as [(HTTPClientError, String)])
    func asyncHTTPClientErrors(error: HTTPClientError, kind: String) {
        #expect(ClassifierChain.asyncHTTPClient.classify(error).kind.id == kind)
    }

    @Test(arguments: [
        (ChannelError.connectTimeout(.seconds(1)), "connect.timeout"), (.ioOnClosedChannel, "connection.closed"),
        (.alreadyClosed, "connection.closed"), (.outputClosed, "connection.closed"), (.inputClosed, "connection.closed"),
        (.eof, "connection.closed"), (.writeHostUnreachable, "network.unreachable"), (.writeMessageTooLarge, "request.invalid"),
        (.operationUnsupported, "unknown"),
    ] as [(ChannelError, String)])
    func channelErrors(error: ChannelError, kind: String) {
        #expect(ClassifierChain.nio.classify(error).kind.id == kind)
    }

    @Test(arguments: [
        (HTTPParserError.invalidEOFState, "response.incomplete"), (.closedConnection, "connection.closed"),
        (.invalidStatus, "response.malformed"), (.invalidChunkSize, "response.malformed"), (.headerOverflow, "response.malformed"),
    ] as [(HTTPParserError, String)])
    func parserErrors(error: HTTPParserError, kind: String) {
        #expect(ClassifierChain.nio.classify(error).kind.id == kind)
    }

    @Test func ioErrorsReadTheirErrno() {
        #expect(ClassifierChain.nio.classify(IOError(errnoCode: ECONNRESET, reason: "read")).kind == .connectionReset)
        #expect(ClassifierChain.nio.classify(IOError(errnoCode: EINVAL, reason: "connect")).kind == .networkUnreachable)
        #expect(ClassifierChain.nio.classify(IOError(errnoCode: EINVAL, reason: "setsockopt")).kind == .unknown)
        // A Unix socket path with no socket: nothing was sent (it was `unknown`, `maybeProcessed`).
        let noSocket = ClassifierChain.nio.classify(IOError(errnoCode: ENOENT, reason: "connect"))
        #expect(noSocket.kind == .connectRefused && noSocket.delivery == .notSent)
        #expect(ClassifierChain.nio.classify(IOError(errnoCode: ENOENT, reason: "open")).kind == .unknown)
    }

    @Test func socketAddressErrors() {
        #expect(ClassifierChain.nio.classify(SocketAddressError.failedToParseIPString("x")).kind == .requestInvalidURL)
        #expect(ClassifierChain.nio.classify(SocketAddressError.unsupported).kind == .requestInvalid)
    }

    @Test func tlsErrors() {
        let chain = ClassifierChain.nio
        #expect(chain.classify(NIOSSLExtraError.failedToValidateHostname).kind == .tlsHostnameMismatch)
        #expect(chain.classify(NIOSSLError.uncleanShutdown).kind == .tlsClosed)
        #expect(chain.classify(NIOSSLError.handshakeFailed(.zeroReturn)).kind == .tlsClosed)
        #expect(chain.classify(NIOSSLError.handshakeFailed(.syscallError)).kind == .tlsHandshakeFailed)
        #expect(chain.classify(NIOSSLError.cannotMatchULabel).kind == .tlsHostnameMismatch)
        #expect(chain.classify(NIOSSLError.failedToLoadCertificate).kind == .requestInvalid)
        #expect(chain.classify(NIOSSLError.handshakeFailed(.sslError([]))).delivery == .notSent)
    }

    @Test(arguments: [
        (URLError.Code.cancelled, "cancelled"), (.badURL, "request.invalidURL"), (.unsupportedURL, "request.invalidURL"),
        (.cannotFindHost, "dns.notFound"), (.dnsLookupFailed, "dns.failure"), (.cannotConnectToHost, "connect.refused"),
        (.networkConnectionLost, "connection.reset"), (.notConnectedToInternet, "network.unreachable"),
        (.httpTooManyRedirects, "redirect.tooMany"), (.timedOut, "response.timeout"),
        (.badServerResponse, "response.malformed"), (.serverCertificateHasBadDate, "tls.certificateExpired"),
        (.serverCertificateUntrusted, "tls.certificateUntrusted"), (.serverCertificateHasUnknownRoot, "tls.certificateUntrusted"),
        (.serverCertificateNotYetValid, "tls.certificateExpired"), (.secureConnectionFailed, "tls.handshakeFailed"),
        (.cannotParseResponse, "response.malformed"), (.userAuthenticationRequired, "http.unauthorized"),
    ] as [(URLError.Code, String)])
    func urlErrorCodes(code: URLError.Code, kind: String) {
        #expect(ClassifierChain.foundation.classify(URLError(code)).kind.id == kind)
    }

    @Test(arguments: [
        ("SSL certificate problem: self-signed certificate", "tls.certificateUntrusted"),
        ("SSL certificate problem: certificate has expired", "tls.certificateExpired"),
        ("SSL certificate problem: self-signed certificate in certificate chain", "tls.certificateUntrusted"),
        ("SSL certificate problem: unable to get local issuer certificate", "tls.certificateUntrusted"),
        ("SSL: no alternative certificate subject name matches target host name 'x'", "tls.hostnameMismatch"),
        ("OpenSSL/3.0: error:0A00010B:SSL routines::wrong version number", "tls.handshakeFailed"),
        ("transfer closed with 90 bytes remaining to read", "response.incomplete"),
        ("Failed to connect to 10.1.1.1 port 80 after 3 ms: No route to host", "network.unreachable"),
        ("Failed to connect to 10.1.1.1 port 80 after 3 ms: Network is unreachable", "network.unreachable"),
        ("Failed to connect to 10.1.1.1 port 80 after 0 ms: Couldn't connect to server", "network.unreachable"),
    ])
    func linuxUnknownErrorsReadLibcurlText(text: String, kind: String) {
        let error = URLError(.unknown, userInfo: [NSLocalizedDescriptionKey: text])
        #expect(ClassifierChain.foundation.classify(error).kind.id == kind)
        // The same text one level down, in NSUnderlyingError.
        let nested = NSError(domain: "Wrapper", code: 1, userInfo: [NSUnderlyingErrorKey: error as NSError])
        #expect(ClassifierChain.foundation.classify(nested).kind.id == kind)
    }

    @Test func posixErrorsUseErrno() {
        #expect(ClassifierChain.foundation.classify(POSIXError(.ECONNREFUSED)).kind == .connectRefused)
    }
}
