import NIOCore
import NIOHTTP1

/// An answer the fake API server gives to the next write (POST, PUT, PATCH, DELETE) whose path ends with
/// ``pathSuffix``, instead of applying it: a 409 Conflict on a patch, a 429 on posting an event.
public struct FakeWriteFault: Sendable, Hashable {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    public var method: String
    /// The end of the request path (`/events`, `/widgets/a`, `/widgets/a/status`).
    public var pathSuffix: String
    /// The status to answer (a Kubernetes `Status` body goes with it).
    public var status: Int
    /// Sent as `Retry-After` and `details.retryAfterSeconds`, when set.
    public var retryAfterSeconds: Int?

    public init(method: String, pathSuffix: String, status: Int, retryAfterSeconds: Int? = nil) {
        self.method = method
        self.pathSuffix = pathSuffix
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The Status reason for ``status``.
    var reason: String {
        switch status {
        case 409: "Conflict"
        case 429: "TooManyRequests"
        case 404: "NotFound"
        case 500: "InternalError"
        default: "Unknown"
        }
    }
}

extension FakeKubernetesServer {
    /// Makes the next writes that match act out `faults`, each once, in order of matching.
    public func injectWriteFaults(_ faults: [FakeWriteFault]) {
        settings.withLockedValue { $0.writeFaults += faults }
    }

    /// The first injected fault matching this write, taken.
    func takeWriteFault(method: HTTPMethod, path: String) -> FakeWriteFault? {
        settings.withLockedValue { settings in
            guard let index = settings.writeFaults.firstIndex(where: { $0.method == method.rawValue && path.hasSuffix($0.pathSuffix) }) else {
                return nil
            }
            return settings.writeFaults.remove(at: index)
        }
    }
}

extension FakeKubernetesHandler {
    /// Answers an injected write fault; `true` when one was answered.
    func answerWriteFault(method: HTTPMethod, path: String, context: ChannelHandlerContext) -> Bool {
        guard method != .GET, let fault = server.takeWriteFault(method: method, path: path) else { return false }
        let body = Self.status(fault.status, fault.reason, "injected by the test", retryAfter: fault.retryAfterSeconds)
        respond(fault.status, body, headers: fault.retryAfterSeconds.map { [("Retry-After", String($0))] } ?? [], context: context)
        return true
    }
}
