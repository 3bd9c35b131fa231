extension Pipeline {
    /// How an attempt ended; a failure comes with the time it was classified at.
    @usableFromInline
    enum Outcome<T> {
        case success(T)
        case failure(Failure, at: Duration)
    }

    /// One attempt, begun at `start` (times are since ``epoch``): breaker admission, adaptive throttle,
    /// bulkhead slot, time limit, hedging. Its outcome is recorded in the breaker and budget, and any
    /// error comes back classified. The breaker's ticket is reported or released on every way out.
    @inlinable
    func attempt<T: Sendable>(number: Int, start: Duration, previous: Failure?, deadline: Duration?, hedge: HedgingPolicy?,
                              _ operation: @escaping @Sendable (Attempt) async throws -> T) async -> Outcome<T> {
        if Task.isCancelled { return .failure(Failure(.cancelled, delivery: .notSent, detail: "cancelled before the attempt"), at: start) }
        var ticket: CircuitBreakerState.Ticket?
        if let breaker {
            switch breaker.admitTicket(now: start) {
            case .admitted(let admitted):
                ticket = admitted
            case .rejected(let remaining?):
                return .failure(Failure(.circuitOpen, retryAfter: remaining, detail: "circuit open"), at: start)
            case .rejected(remaining: nil):
                // Half-open with its probes in flight: no time to name, so the backoff formula decides
                // (a zero delay would send every waiting caller straight back).
                return .failure(Failure(.circuitOpen, decision: .retry, detail: "circuit half-open, probes in flight"), at: start)
            }
        }
        if let throttle {
            guard throttle.allow(now: start, random: random.fraction()) else {
                throttle.record(accepted: false, now: start)
                if let ticket { breaker?.release(ticket) }
                return .failure(Failure(.concurrencyLimited, delivery: .notSent, detail: "adaptive throttle"), at: start)
            }
        }
        var limit = attemptTimeout
        var limitIsDeadline = false
        if let deadline {
            let left = deadline - start
            if left <= .zero {
                if let ticket { breaker?.release(ticket) }
                return .failure(Failure(.deadlineExceeded, delivery: .notSent, detail: "deadline spent before the attempt"), at: start)
            }
            if limit.map({ left < $0 }) ?? true {
                limit = left
                limitIsDeadline = true
            }
        }
        // Measured from the attempt's start: the bulkhead wait and any hedging delay count against it.
        let attemptDeadline = limit.map { start + $0 }
        var handedAt = start
        if let bulkhead {
            do {
                try await acquireSlot(bulkhead, until: attemptDeadline, isOverallDeadline: limitIsDeadline)
            } catch {
                let now = self.now()
                if let ticket { breaker?.release(ticket) }
                return .failure((error as? Failure) ?? classifier.classify(error), at: now)
            }
            handedAt = now()
        }
        defer { bulkhead?.release() }

        let info = Attempt(number: number, previous: previous, deadlineSinceEpoch: attemptDeadline,
                           timeLimit: attemptDeadline.map { $0 - handedAt })
        do {
            let value: T
            let enforced = timeoutEnforcement == .cancel ? info.timeLimit : nil
            if hedge == nil, enforced == nil {
                value = try await operation(info)
            } else {
                let call: @Sendable () async throws -> T
                if let hedge {
                    // Each hedge is handed what is left of the attempt's time when it starts.
                    call = {
                        try await self.hedged(hedge) {
                            var sent = info
                            if let attemptDeadline { sent.timeLimit = attemptDeadline - self.now() }
                            return try await operation(sent)
                        }
                    }
                } else {
                    call = { try await operation(info) }
                }
                if let enforced {
                    value = try await withTimeLimit(enforced, isDeadline: limitIsDeadline, call)
                } else {
                    value = try await call()
                }
            }
            budget?.recordSuccess()
            if let ticket { breaker?.report(ticket, success: true, counted: true, retryAfter: nil, now: start) }
            throttle?.record(accepted: true, now: start)
            return .success(value)
        } catch {
            let now = self.now()
            return .failure(attemptFailed(error, now: now, deadline: attemptDeadline, limitIsDeadline: limitIsDeadline, ticket: ticket), at: now)
        }
    }

    /// Classifies an attempt's error and records it in the breaker and budget.
    ///
    /// Cancellation of the calling task is `cancelled`. An attempt that failed after its `deadline`
    /// with a timeout of its own (a cooperative attempt that passed the deadline on) is
    /// `attempt.timeout`, or `deadline.exceeded` when the limit was the overall deadline.
    @inlinable
    func attemptFailed(_ error: any Error, now: Duration, deadline: Duration?, limitIsDeadline: Bool,
                       ticket: CircuitBreakerState.Ticket?) -> Failure {
        var failure = (error as? Failure) ?? classifier.classify(error)
        if failure.kind == .cancelled || Task.isCancelled {
            failure = Failure(.cancelled, delivery: failure.delivery, underlying: error, detail: failure.detail)
        } else if let deadline, now >= deadline, Self.isTimeout(failure.kind) {
            failure = Failure(limitIsDeadline ? .deadlineExceeded : .attemptTimeout, delivery: failure.delivery,
                              underlying: failure, detail: failure.kind.id)
        }
        let serverTransient = CircuitBreakerPolicy.isServerTransient(failure)
        // A named delay takes its token too: a throttling outage answered with `Retry-After: 0` must
        // not let every caller retry at once.
        if serverTransient { budget?.recordFailure() }
        if let ticket {
            // A failure that says nothing about the dependency (cancellation, a caller's deadline) reports
            // uncounted: a probe's slot is freed and the circuit stays as it is.
            breaker?.report(ticket, success: false, counted: CircuitBreakerPolicy.countsFailure(failure), retryAfter: failure.retryAfter,
                            now: now)
        }
        throttle?.record(accepted: !serverTransient, now: now)
        return failure
    }

    /// The kinds an operation reports when a deadline it was given passes.
    @inlinable
    static func isTimeout(_ kind: FailureKind) -> Bool {
        kind == .attemptTimeout || kind == .deadlineExceeded || kind == .responseTimeout || kind == .connectTimeout
    }

    /// Runs `body`, and again after each hedging delay while nothing has succeeded (within the budget);
    /// returns the first success and cancels the rest, or throws the last failure.
    @usableFromInline
    func hedged<T: Sendable>(_ policy: HedgingPolicy, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = self.clock
        let budget = self.budget
        let epoch = self.epoch
        return try await withThrowingTaskGroup(of: T?.self) { group in
            let started = clock.now
            group.addTask { try await body() }
            var running = 1
            var hedgesLeft = policy.maximumHedges
            var lastError: (any Error)?
            if hedgesLeft > 0 {
                group.addTask {
                    try await clock.sleep(until: clock.now.advanced(by: policy.currentDelay), tolerance: nil)
                    return nil
                }
            }
            defer { group.cancelAll() }
            while running > 0 {
                let next: T??
                do {
                    next = try await group.next()
                } catch {
                    running -= 1
                    lastError = error
                    continue
                }
                guard let result = next else { break }
                if let value = result {
                    policy.record(latency: started.duration(to: clock.now))
                    return value
                }
                // The hedging timer fired: send a hedge if the budget allows.
                guard hedgesLeft > 0 else { continue }
                hedgesLeft -= 1
                let second = epoch.duration(to: clock.now).components.seconds
                if budget?.tryRetry(atSecond: second) ?? true {
                    running += 1
                    group.addTask { try await body() }
                }
                if hedgesLeft > 0 {
                    group.addTask {
                        try await clock.sleep(until: clock.now.advanced(by: policy.currentDelay), tolerance: nil)
                        return nil
                    }
                }
            }
            throw lastError ?? CancellationError()
        }
    }

    /// Races `body` against a clock sleep of `limit`; the loser is cancelled.
    @usableFromInline
    func withTimeLimit<T: Sendable>(_ limit: Duration, isDeadline: Bool,
                                            _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = self.clock
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(until: clock.now.advanced(by: limit), tolerance: nil)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw isDeadline
                    ? Failure(.deadlineExceeded, detail: "the overall deadline passed during the attempt")
                    : Failure(.attemptTimeout, detail: "no result within the attempt timeout")
            }
            return value
        }
    }
}
