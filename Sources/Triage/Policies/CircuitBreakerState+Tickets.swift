extension CircuitBreakerState {
    /// A call's admission: whether it is a half-open probe, and the generation it was admitted in.
    /// Only a ticket of the current generation changes the state when it reports.
    public struct Ticket: Sendable, Hashable {
        /// `true` for a half-open probe: its result decides the circuit.
        public var isProbe: Bool
        /// ``CircuitBreakerState/generation`` at admission.
        public var generation: UInt64

        public init(isProbe: Bool, generation: UInt64) {
            self.isProbe = isProbe
            self.generation = generation
        }
    }

    /// The outcome of ``admitTicket(now:)``.
    public enum TicketAdmission: Sendable, Hashable {
        case admitted(Ticket)
        /// Rejected. `remaining` is the open time left; `nil` while half-open probes are in flight
        /// (the caller backs off by its own formula rather than coming straight back).
        case rejected(remaining: Duration?)
    }

    /// Admits a call at `now` and hands it the ticket it must report with (``report(_:success:counted:retryAfter:now:)``)
    /// or give back (``release(_:)``) on every way out.
    ///
    /// Half-open admits up to ``CircuitBreakerPolicy/halfOpenProbes`` probes; when they are all taken
    /// and the last was admitted ``CircuitBreakerPolicy/maximumProbeDuration`` ago or more, their
    /// slots are reclaimed (a new generation, so the late reports are ignored) and this call probes.
    public mutating func admitTicket(now: Duration) -> TicketAdmission {
        switch phase {
        case .closed:
            return .admitted(Ticket(isProbe: false, generation: generation))
        case .open:
            if now < openUntil { return .rejected(remaining: openUntil - now) }
            phase = .halfOpen
            probesInFlight = 0
            return admitTicket(now: now)
        case .halfOpen:
            if probesInFlight >= policy.halfOpenProbes {
                guard now - lastProbeAdmitted >= policy.maximumProbeDuration else { return .rejected(remaining: nil) }
                // The probes outlived their bound: a new half-open generation, without their slots.
                phase = .open
                phase = .halfOpen
                probesInFlight = 0
            }
            probesInFlight += 1
            lastProbeAdmitted = now
            return .admitted(Ticket(isProbe: true, generation: generation))
        }
    }

    /// Records the result of the call `ticket` admitted; returns the new phase when it changed.
    /// A ticket of an older generation changes nothing: its evidence predates the current phase.
    @discardableResult
    public mutating func report(_ ticket: Ticket, success: Bool, counted: Bool = true, retryAfter: Duration? = nil,
                                now: Duration) -> Phase? {
        guard ticket.generation == generation else { return nil }
        let before = phase
        if ticket.isProbe {
            probesInFlight = max(0, probesInFlight - 1)
            if success {
                close()
            } else if counted {
                open(now: now, retryAfter: retryAfter)
            }
        } else {
            guard counted || success else { return nil }
            if case .failureRatio = policy.trip { window.record(failure: !success, now: now) }
            consecutive = success ? 0 : consecutive + 1
            if !success, shouldTrip(now: now) { open(now: now, retryAfter: retryAfter) }
        }
        return phase == before ? nil : phase
    }

    /// Gives back the ticket of a call that ends without a result about the dependency (rejected
    /// locally, deadline spent before sending, cancelled): a probe's slot is freed, nothing else changes.
    public mutating func release(_ ticket: Ticket) {
        guard ticket.isProbe, ticket.generation == generation else { return }
        probesInFlight = max(0, probesInFlight - 1)
    }
}
