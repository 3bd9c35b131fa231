import Triage
import Foundation

/// The bearer token for requests: a fixed token, or a token file re-read when it changes.
///
/// A file is read on first use and again whenever its modification time or size differs from the
/// last read (checked at most once per ``checkInterval``, default 1 s), and on the next use after
/// ``invalidate()`` (called after a 401), so a rotated projected service-account token is picked up.
/// Symbolic links are followed before the attributes are read: a projected token is `token ->
/// ..data/token`, and rotation replaces only `..data`. A path that is not a regular file of at most
/// 1 MiB (``maximumFileSize``) is not read, and the last token read is kept. Whitespace around the token
/// is trimmed. Its `description` never shows the token.
public final class TokenSource: Sendable, CustomStringConvertible {
    /// How often, at most, a token file's attributes are looked at.
    public let checkInterval: Duration
    private let origin: KubernetesConfiguration.BearerToken
    private let state: LockedValue<State>

    private struct State {
        var token: String?
        var modified: Date?
        var size: Int?
        var lastCheck: ContinuousClock.Instant?
        var reads = 0
    }

    public init(_ origin: KubernetesConfiguration.BearerToken, checkInterval: Duration = .seconds(1)) {
        self.origin = origin
        self.checkInterval = checkInterval
        self.state = LockedValue(State())
    }

    /// The largest token file read: 1 MiB (a token is a few kilobytes; `/dev/zero` would never end).
    public static let maximumFileSize = 1 << 20

    /// Whether `path` (its symbolic links followed) is a regular file of at most ``maximumFileSize``.
    static func isTokenFile(_ path: String) -> Bool {
        attributes(of: path).map { $0.type == .typeRegular && ($0.size ?? 0) <= maximumFileSize } ?? false
    }

    private static func attributes(of path: String) -> (type: FileAttributeType?, modified: Date?, size: Int?)? {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return nil }
        return (attributes[.type] as? FileAttributeType, attributes[.modificationDate] as? Date, (attributes[.size] as? NSNumber)?.intValue)
    }

    /// How many times the token file has been read (for tests and diagnostics).
    public var fileReads: Int { state.withLock { $0.reads } }

    /// The current token; `nil` when the file cannot be read or is empty.
    public func token() -> String? {
        switch origin {
        case .token(let token):
            return token
        case .file(let path):
            return state.withLock { state in
                let now = ContinuousClock.now
                if let lastCheck = state.lastCheck, state.token != nil, lastCheck.duration(to: now) < checkInterval {
                    return state.token
                }
                state.lastCheck = now
                guard let attributes = Self.attributes(of: path), attributes.type == .typeRegular,
                      (attributes.size ?? 0) <= Self.maximumFileSize else { return state.token }
                let (modified, size) = (attributes.modified, attributes.size)
                if state.token != nil, modified == state.modified, size == state.size { return state.token }
                guard let data = FileManager.default.contents(atPath: path) else { return state.token }
                state.reads += 1
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                state.token = text.isEmpty ? nil : text
                state.modified = modified
                state.size = size
                return state.token
            }
        }
    }

    /// Forget the file's token so the next ``token()`` reads the file again (after a 401).
    public func invalidate() {
        state.withLock { state in
            state.token = nil
            state.lastCheck = nil
        }
    }

    public var description: String {
        switch origin {
        case .token: "TokenSource(token)"
        case .file(let path): "TokenSource(file: \(path))"
        }
    }
}
