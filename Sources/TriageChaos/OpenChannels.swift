import Triage
import NIOCore

/// The connections a chaos server or proxy has open, so that `shutdown()` closes them all and leaves
/// no file descriptor behind. A channel leaves the set when it closes.
final class OpenChannels: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    private let state = LockedValue(State())

    /// Tracks `channel` until it closes; closes it at once when ``closeAll()`` already ran.
    func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let admitted = state.withLock { state in
            guard !state.closed else { return false }
            state.channels[id] = channel
            return true
        }
        guard admitted else { return channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLock { $0.channels.removeValue(forKey: id) }
        }
    }

    /// How many are open.
    var count: Int { state.withLock { $0.channels.count } }

    /// Closes every tracked channel and waits until each has closed; later ones are closed on arrival.
    func closeAll() async {
        let channels = state.withLock { state in
            state.closed = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
        }
    }
}
