@_exported import Triage
import NIOCore
import NIOHTTP1
import NIOPosix

/// Classifies SwiftNIO's errors: `IOError` (by errno), `NIOConnectionError` (DNS and per-address
/// connect errors inside it), `ChannelError`, `SocketAddressError` and `HTTPParserError`.
public struct NIOClassifier: FailureClassifier {
    public init() {}

    public func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
        switch error {
        case let error as IOError:
            return Self.classify(error)
        case let error as NIOConnectionError:
            return Self.classify(error, chain: chain)
        case let error as ChannelError:
            return Self.classify(error)
        case let error as SocketAddressError.UnknownHost:
            return Errno.failure(getaddrinfo: Int32(truncatingIfNeeded: error.errorCode), underlying: error)
        case let error as SocketAddressError:
            return Self.classify(error)
        case let error as HTTPParserError:
            return Self.classify(error)
        default:
            return nil
        }
    }

    static func classify(_ error: IOError) -> Failure? {
        let code = error.errnoCode
        // EINVAL, EACCES, ETIMEDOUT and the unreachable group read differently from connect(2); the description is read for them
        // alone, so the common errors allocate nothing.
        let duringConnect = (code == EINVAL || code == EACCES || code == EPERM || code == ETIMEDOUT || code == ENOENT
                             || code == ENETUNREACH || code == EHOSTUNREACH || code == ENETDOWN || code == EHOSTDOWN)
            && String(describing: error).hasPrefix("connect")
        return Errno.failure(errno: code, duringConnect: duringConnect, underlying: error)
    }

    /// NIO's happy-eyeballs error: DNS results first (no address was tried), else the most telling
    /// per-address connect error (refused beats unreachable: something answered).
    static func classify(_ error: NIOConnectionError, chain: ClassifierChain) -> Failure? {
        var best: Failure?
        for attempt in error.connectionErrors {
            guard let failure = chain.classifyIfKnown(attempt.error) else { continue }
            if best == nil || rank(failure.kind) > rank(best!.kind) { best = failure }
        }
        if let best { return best }

        let dns = [error.dnsAError, error.dnsAAAAError].compactMap { $0 }.compactMap { chain.classifyIfKnown($0) }
        if let notFound = dns.first(where: { $0.kind == .dnsNotFound }) { return notFound }
        if let other = dns.first { return other }
        // Both lookups succeeded with no address at all: the name has nothing to connect to.
        return Failure(.dnsNotFound, underlying: error, detail: "no addresses")
    }

    private static func rank(_ kind: FailureKind) -> Int {
        switch kind {
        case .connectRefused: 4
        case .connectionReset, .connectionClosed: 3
        case .connectTimeout: 2
        case .networkUnreachable: 1
        default: 0
        }
    }

    static func classify(_ error: ChannelError) -> Failure? {
        switch error {
        case .connectTimeout:
            return Failure(.connectTimeout, underlying: error, detail: "ChannelError.connectTimeout")
        case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof:
            return Failure(.connectionClosed, underlying: error, detail: "ChannelError")
        case .writeHostUnreachable:
            return Failure(.networkUnreachable, underlying: error, detail: "ChannelError.writeHostUnreachable")
        case .writeMessageTooLarge:
            return Failure(.requestInvalid, underlying: error, detail: "ChannelError.writeMessageTooLarge")
        default:
            return nil
        }
    }

    static func classify(_ error: SocketAddressError) -> Failure? {
        switch error {
        case .failedToParseIPString:
            return Failure(.requestInvalidURL, underlying: error, detail: "SocketAddressError.failedToParseIPString")
        case .unsupported, .unixDomainSocketPathTooLong:
            return Failure(.requestInvalid, underlying: error, detail: "SocketAddressError")
        default:
            return Failure(.dnsNotFound, underlying: error, detail: "SocketAddressError.unknown")
        }
    }

    static func classify(_ error: HTTPParserError) -> Failure {
        switch error {
        case .invalidEOFState:
            return Failure(.responseIncomplete, underlying: error, detail: "HTTPParserError.invalidEOFState")
        case .closedConnection:
            return Failure(.connectionClosed, underlying: error, detail: "HTTPParserError.closedConnection")
        default:
            return Failure(.responseMalformed, underlying: error, detail: "HTTPParserError")
        }
    }
}

extension ClassifierChain {
    /// SwiftNIO and NIOSSL errors, then the core classifiers.
    public static let nio = ClassifierChain([NIOClassifier(), NIOSSLClassifier()]).appending(.core)

    /// A chain that asks `other`'s classifiers after this one's.
    public func appending(_ other: ClassifierChain) -> ClassifierChain {
        ClassifierChain(classifiers + other.classifiers)
    }
}
