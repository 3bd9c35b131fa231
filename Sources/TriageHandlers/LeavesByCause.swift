/// Per handler cause, the handlers that do work for it (children expanded), in order. Read on every
/// change: a switch, not a dictionary lookup.
struct LeavesByCause: Sendable {
    private let create, update, delete, resume: [Handler]

    init(_ handlers: [Handler]) {
        func leaves(_ cause: HandlerCause) -> [Handler] { handlers.filter { $0.causes.contains(cause) }.flatMap(\.leaves) }
        (create, update, delete, resume) = (leaves(.create), leaves(.update), leaves(.delete), leaves(.resume))
    }

    subscript(cause: HandlerCause) -> [Handler] {
        switch cause {
        case .create: create
        case .update: update
        case .delete: delete
        case .resume: resume
        }
    }
}
