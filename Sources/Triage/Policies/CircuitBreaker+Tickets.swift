import Synchronization

extension CircuitBreaker {
    /// Admits a call at `now` (``CircuitBreakerState/admitTicket(now:)``).
    package func admitTicket(now: Duration) -> CircuitBreakerState.TicketAdmission {
        let (admission, before, after) = state.withLock { state in
            let before = state.phase
            let admission = state.admitTicket(now: now)
            publish(state)
            return (admission, before, state.phase)
        }
        if before != after { onTransition?(before, after) }
        return admission
    }

    /// A closed ticket for a call the success path let through after ``isClosed`` (read without the
    /// lock), or `nil` when the circuit is not closed.
    @inlinable
    package func closedTicket() -> CircuitBreakerState.Ticket? {
        let generation = closedGeneration.load(ordering: .relaxed)
        return generation == .max ? nil : CircuitBreakerState.Ticket(isProbe: false, generation: generation)
    }

    /// Records the result of the call `ticket` admitted (``CircuitBreakerState/report(_:success:counted:retryAfter:now:)``).
    /// A success of a closed ticket on a closed circuit with no failure counted returns at once, without a lock.
    @inlinable
    package func report(_ ticket: CircuitBreakerState.Ticket, success: Bool, counted: Bool, retryAfter: Duration?, now: Duration) {
        if success, !ticket.isProbe, successChangesNothing.load(ordering: .relaxed) { return }
        reportLocked(ticket, success: success, counted: counted, retryAfter: retryAfter, now: now)
    }

    @usableFromInline
    func reportLocked(_ ticket: CircuitBreakerState.Ticket, success: Bool, counted: Bool, retryAfter: Duration?, now: Duration) {
        let (before, after) = state.withLock { state in
            let before = state.phase
            state.report(ticket, success: success, counted: counted, retryAfter: retryAfter, now: now)
            publish(state)
            return (before, state.phase)
        }
        if before != after { onTransition?(before, after) }
    }

    /// Gives back a ticket without a result (``CircuitBreakerState/release(_:)``); a closed ticket costs no lock.
    @inlinable
    package func release(_ ticket: CircuitBreakerState.Ticket) {
        guard ticket.isProbe else { return }
        releaseLocked(ticket)
    }

    @usableFromInline
    func releaseLocked(_ ticket: CircuitBreakerState.Ticket) {
        state.withLock { state in
            state.release(ticket)
            publish(state)
        }
    }
}
