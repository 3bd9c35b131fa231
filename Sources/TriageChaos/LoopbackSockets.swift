#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `close(2)`, named apart from the methods called `close()` (as swift-nio names its system calls).
@inline(__always)
func systemClose(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Musl)
    _ = Musl.close(fd)
    #elseif canImport(Darwin)
    _ = Darwin.close(fd)
    #endif
}

/// Raw loopback sockets for the failures no server can act out: a port nobody listens on, and a
/// listener whose accept queue is full so that new SYNs are dropped.
public enum LoopbackSockets {
    /// A TCP port on 127.0.0.1 that was free a moment ago and has nobody listening: connecting is refused.
    public static func closedPort() throws -> Int {
        let fd = try bindLoopback()
        defer { systemClose(fd) }
        return try localPort(of: fd)
    }

    static func bindLoopback() throws -> Int32 {
        #if canImport(Glibc) || canImport(Musl)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketFailure(operation: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            systemClose(fd)
            throw SocketFailure(operation: "bind", errno: errno)
        }
        return fd
    }

    static func localPort(of fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw SocketFailure(operation: "getsockname", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func connectNonBlocking(port: Int) -> Int32 {
        #if canImport(Glibc) || canImport(Musl)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return fd
    }
}

/// A socket call that failed while setting up a fault.
public struct SocketFailure: Error, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public var description: String { "\(operation) failed: errno \(errno)" }
}

/// A listener that never accepts, with its accept queue filled: further connection attempts get no
/// SYN-ACK, so clients see a connect timeout. Close it with ``close()``.
public final class FullBacklogListener: Sendable {
    /// The port whose SYNs are dropped.
    public let port: Int
    private let listener: Int32
    private let parked: [Int32]

    /// Listens with a backlog of 0 and parks `fill` connections in its queue (default 4, more than
    /// Linux's backlog + 1 so the queue is surely full).
    public init(fill: Int = 4) throws {
        let fd = try LoopbackSockets.bindLoopback()
        guard listen(fd, 0) == 0 else {
            systemClose(fd)
            throw SocketFailure(operation: "listen", errno: errno)
        }
        listener = fd
        port = try LoopbackSockets.localPort(of: fd)
        var parked: [Int32] = []
        for _ in 0..<fill {
            parked.append(LoopbackSockets.connectNonBlocking(port: port))
            usleep(20_000)  // let each handshake land in the queue before the next SYN
        }
        self.parked = parked
    }

    /// Closes the listener and the parked connections.
    public func close() {
        for fd in parked { systemClose(fd) }
        systemClose(listener)
    }
}
