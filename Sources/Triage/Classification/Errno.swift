#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The taxonomy's reading of POSIX `errno` values and `getaddrinfo` results, shared by every
/// classifier that meets a raw error number (NIO's `IOError`, Foundation's `POSIXError`, ...).
public enum Errno {
    /// glibc's EAI_NODATA ("no address associated with hostname"), hidden behind _GNU_SOURCE.
    private static let eaiNoData: Int32 = -5

    /// The failure an `errno` stands for, or `nil` for numbers that say nothing about the network.
    ///
    /// - Parameter duringConnect: `true` when the number came from `connect(2)`; there EINVAL and
    ///   EACCES mean a blackhole or prohibit route and EPERM a firewall's refusal (`network.unreachable`),
    ///   and ENOENT a Unix socket path with no socket (`connect.refused`); elsewhere they mean nothing here;
    ///   ENETUNREACH, EHOSTUNREACH, ENETDOWN and EHOSTDOWN are `notSent` from connect(2) and
    ///   `maybeProcessed` elsewhere (default `false`: the safe reading when the source is unknown).
    public static func failure(errno code: Int32, duringConnect: Bool = false, underlying: (any Error)? = nil) -> Failure? {
        switch code {
        case ECONNREFUSED:
            return Failure(.connectRefused, underlying: underlying, detail: "ECONNREFUSED")
        case ECONNRESET:
            return Failure(.connectionReset, underlying: underlying, detail: "ECONNRESET")
        case EPIPE:
            return Failure(.connectionReset, underlying: underlying, detail: "EPIPE")
        case ECONNABORTED:
            return Failure(.connectionReset, underlying: underlying, detail: "ECONNABORTED")
        case ENETRESET:
            return Failure(.connectionReset, underlying: underlying, detail: "ENETRESET")
        case ENOTCONN:
            return Failure(.connectionClosed, underlying: underlying, detail: "ENOTCONN")
        case ETIMEDOUT:
            // The kernel gives up on an unanswered SYN with ETIMEDOUT; on an established connection it
            // means retransmissions went unacknowledged.
            return duringConnect
                ? Failure(.connectTimeout, underlying: underlying, detail: "ETIMEDOUT")
                : Failure(.responseTimeout, underlying: underlying, detail: "ETIMEDOUT")
        case ENETUNREACH:
            return unreachable(duringConnect: duringConnect, underlying: underlying, detail: "ENETUNREACH")
        case EHOSTUNREACH:
            return unreachable(duringConnect: duringConnect, underlying: underlying, detail: "EHOSTUNREACH")
        case ENETDOWN:
            return unreachable(duringConnect: duringConnect, underlying: underlying, detail: "ENETDOWN")
        case EHOSTDOWN:
            return unreachable(duringConnect: duringConnect, underlying: underlying, detail: "EHOSTDOWN")
        case EADDRNOTAVAIL:
            return Failure(.networkUnreachable, underlying: underlying, detail: "EADDRNOTAVAIL")
        #if os(Linux)
        case ENONET:
            return Failure(.networkUnreachable, underlying: underlying, detail: "ENONET")
        #endif
        case EINVAL where duringConnect:
            return Failure(.networkUnreachable, underlying: underlying, detail: "EINVAL from connect")
        case EACCES where duringConnect:
            return Failure(.networkUnreachable, underlying: underlying, detail: "EACCES from connect")
        case EPERM where duringConnect:
            return Failure(.networkUnreachable, underlying: underlying, detail: "EPERM from connect")
        case ENOENT where duringConnect:
            // A Unix socket path where no socket file exists: nothing listens, as with a refusal.
            return Failure(.connectRefused, underlying: underlying, detail: "ENOENT from connect: no socket at the path")
        case ECANCELED:
            return Failure(.cancelled, underlying: underlying, detail: "ECANCELED")
        default:
            return nil
        }
    }

    /// `network.unreachable`: `notSent` when connect(2) reported it; on a connected socket (a route that
    /// went away mid-exchange) the request may have gone out, so `maybeProcessed`.
    private static func unreachable(duringConnect: Bool, underlying: (any Error)?, detail: String) -> Failure {
        Failure(.networkUnreachable, delivery: duringConnect ? .notSent : .maybeProcessed, underlying: underlying, detail: detail)
    }

    /// The failure a `getaddrinfo` result stands for: EAI_NONAME (and EAI_NODATA) mean the name does
    /// not exist (`dns.notFound`); EAI_AGAIN, EAI_FAIL and the rest mean the resolver failed (`dns.failure`).
    public static func failure(getaddrinfo code: Int32, underlying: (any Error)? = nil) -> Failure {
        switch code {
        case EAI_NONAME:
            return Failure(.dnsNotFound, underlying: underlying, detail: "EAI_NONAME")
        case eaiNoData:
            return Failure(.dnsNotFound, underlying: underlying, detail: "EAI_NODATA")
        case EAI_AGAIN:
            return Failure(.dnsFailure, underlying: underlying, detail: "EAI_AGAIN")
        case EAI_FAIL:
            return Failure(.dnsFailure, underlying: underlying, detail: "EAI_FAIL")
        default:
            return Failure(.dnsFailure, underlying: underlying, detail: "getaddrinfo failed")
        }
    }
}
