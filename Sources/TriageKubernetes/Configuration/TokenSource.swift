import Triage
import Foundation

/// The bearer token for requests: a fixed token, or a token file re-read when it changes.
///
/// A file is read on first use and again whenever its modification time or size differs from the
/// last read (checked at most once per ``checkInterval``, default 1 s), and on the next use after
/// ``invalidate()`` (called after a 401), so a rotated projected service-account token is picked up.
/// Whitespace around the token is trimmed. Its `description` never shows the token.
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
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                let modified = attributes?[.modificationDate] as? Date
                let size = (attributes?[.size] as? NSNumber)?.intValue
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
