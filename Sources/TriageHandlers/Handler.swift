import Foundation
import Logging
import Triage

/// What happened to an object that a handler may be registered for.
public enum HandlerCause: String, Sendable, Hashable, CaseIterable, Codable {
    /// The object was seen for the first time.
    case create
    /// The object's content changed.
    case update
    /// The object is being deleted (it carries a deletion timestamp and the runner's finalizer).
    case delete
    /// The object was seen when the runner started and its last change was not handled.
    case resume
}

/// A handler: an id, the causes it is run for, its options, and the work.
///
/// Give a handler ``children`` to split its work: each child has its own progress (its id is
/// `parent/child`), the children run in order, and the parent is done when all of them are.
public struct Handler: Sendable {
    /// Unique among the runner's handlers; progress is stored under it.
    public var id: String
    /// The causes it runs for. Default: all of them (Kopf's "every change" handler).
    public var causes: Set<HandlerCause>
    /// Retries, timeouts, backoff and the errors mode.
    public var options: HandlerOptions
    /// Sub-handlers; when there are some, ``body`` is not run.
    public var children: [Handler]
    /// The work, run once per attempt. Throw ``TemporaryError`` to be run again later,
    /// ``PermanentError`` to give up on this change; anything else follows ``HandlerOptions/errors``.
    public var body: @Sendable (HandlerContext) async throws -> Void

    public init(
        id: String,
        causes: Set<HandlerCause> = Set(HandlerCause.allCases),
        options: HandlerOptions = .kopf,
        body: @escaping @Sendable (HandlerContext) async throws -> Void
    ) {
        self.id = id
        self.causes = causes
        self.options = options
        self.children = []
        self.body = body
    }

    /// A parent whose work is its `children`, run in order, each with its own progress.
    public init(id: String, causes: Set<HandlerCause> = Set(HandlerCause.allCases), children: [Handler]) {
        self.id = id
        self.causes = causes
        self.options = .kopf
        self.children = children
        self.body = { _ in }
    }

    /// The handlers that do work, children expanded with `parent/child` ids, in order.
    var leaves: [Handler] {
        guard !children.isEmpty else { return [self] }
        return children.flatMap { child in
            child.leaves.map { leaf in
                var leaf = leaf
                leaf.id = "\(id)/\(leaf.id)"
                return leaf
            }
        }
    }
}

/// What a handler's body is given: the object, why it runs, and how far its change has got.
public struct HandlerContext: Sendable {
    /// The object the change is about.
    public var object: HandlerObject
    /// The object's JSON as it is now (the newest state: triggers are coalesced).
    public var body: [UInt8]
    /// Why the handler runs.
    public var cause: HandlerCause
    /// Failed attempts so far for this change (0 on the first), kept across restarts.
    public var retry: Int
    /// When handling this change began, kept across restarts.
    public var started: Date
    /// The handler's id (`parent/child` for a sub-handler).
    public var handlerID: String
    /// A logger with the object's namespace, name and uid and the handler id as metadata.
    public var logger: Logger

    /// A context as the runner makes it; build one to call a handler's body in your own tests.
    public init(object: HandlerObject, body: [UInt8], cause: HandlerCause, retry: Int, started: Date, handlerID: String, logger: Logger) {
        self.object = object
        self.body = body
        self.cause = cause
        self.retry = retry
        self.started = started
        self.handlerID = handlerID
        self.logger = logger
    }

    /// The object decoded as `T`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }
}
