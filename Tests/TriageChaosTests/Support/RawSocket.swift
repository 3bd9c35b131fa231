import Foundation
#if canImport(Glibc)
import Glibc
private let systemSend = Glibc.send
private let systemClose = Glibc.close
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let systemSend = Darwin.send
private let systemClose = Darwin.close
private let noSignal: Int32 = 0
#endif

/// A blocking TCP client socket on 127.0.0.1, for sending bytes no HTTP client would send.
/// Reads give up after `timeout` seconds (SO_RCVTIMEO), so a test never hangs on a silent server.
final class RawSocket {
    private(set) var fd: Int32

    init(port: Int, timeout: Double = 5) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: .init((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close()
            throw POSIXError(.ECONNREFUSED)
        }
    }

    /// Sends all of `bytes`; `false` when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count, noSignal) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the peer closes, `limit` bytes arrived, or the read timeout passes.
    func receive(limit: Int = 1 << 16) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while received.count < limit {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        return received
    }

    /// The response text read until the peer closes (or the timeout).
    func receiveText() -> String { String(decoding: receive(), as: UTF8.self) }

    /// Whether the peer closed (a read returns 0) within the read timeout.
    func peerClosed() -> Bool {
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    func close() {
        if fd >= 0 { _ = systemClose(fd) }
        fd = -1
    }

    /// Hands the descriptor over (it is no longer closed by this object).
    func detach() -> Int32 {
        defer { fd = -1 }
        return fd
    }

    static func close(_ fd: Int32) { _ = systemClose(fd) }

    deinit { close() }
}

/// The TCP sockets this process holds open for a port (either end), found through `/proc`: immune
/// to what other tests running at the same time open.
enum SocketCensus {
    static var isAvailable: Bool { FileManager.default.fileExists(atPath: "/proc/self/fd") && FileManager.default.fileExists(atPath: "/proc/net/tcp") }

    static func openSockets(port: Int) -> Int {
        let ours = Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { entry -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst("socket:[".count).dropLast())
        })
        var count = 0
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, ours.contains(String(fields[9])) else { continue }
                let ports = [fields[1], fields[2]].compactMap { $0.split(separator: ":").last.flatMap { Int($0, radix: 16) } }
                if ports.contains(port) { count += 1 }
            }
        }
        return count
    }
}

/// Runs blocking socket code on a Dispatch thread, not on the cooperative pool: a blocked read
/// there would starve every other test of a 2-core machine's two task threads.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
