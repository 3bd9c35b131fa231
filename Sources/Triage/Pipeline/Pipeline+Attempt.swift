extension Pipeline {
    /// What ends one part of an attempt's race (``race(_:hedgeAfter:limit:machine:_:)``).
    @usableFromInline
    enum RaceEvent<T: Sendable>: Sendable {
        case value(T)
        case failed(any Error)
        case hedgeTimerFired
        case limitPassed
        case timerCancelled
    }

    /// Sends `attempt` and tells `machine` how it ended; returns the machine's next action and the
    /// value of a success. Without hedging or ``TimeoutEnforcement/cancel`` the operation is called
    /// directly, with no task.
    @inlinable
    func send<T: Sendable>(_ attempt: PipelineStateMachine.Attempt, hedgeAfter: Duration?, machine: inout PipelineStateMachine,
                           _ operation: @escaping @Sendable (Attempt) async throws -> T) async -> (PipelineStateMachine.Action, T?) {
        let enforced = timeoutEnforcement.cancels ? attempt.timeLimit : nil
        guard hedgeAfter != nil || enforced != nil else {
            do {
                let value = try await operation(info(attempt))
                return (machine.attemptSucceeded(now: now()), value)
            } catch {
                return (machine.attemptFailed(error, now: now(), cancelled: Task.isCancelled), nil)
            }
        }
        return await race(attempt, hedgeAfter: hedgeAfter, limit: enforced, machine: &machine, operation)
    }

    /// Runs `attempt` in a task group beside its hedge timer and, when `limit` is set, a timer that
    /// ends the attempt; hedges join as the machine asks. The first success wins and the rest are
    /// cancelled.
    @inlinable
    func race<T: Sendable>(_ attempt: PipelineStateMachine.Attempt, hedgeAfter: Duration?, limit: Duration?,
                           machine: inout PipelineStateMachine,
                           _ operation: @escaping @Sendable (Attempt) async throws -> T) async -> (PipelineStateMachine.Action, T?) {
        let clock = self.clock
        return await withTaskGroup(of: RaceEvent<T>.self) { group in
            defer { group.cancelAll() }
            func launch(_ attempt: PipelineStateMachine.Attempt) {
                let info = self.info(attempt)
                group.addTask {
                    do { return .value(try await operation(info)) } catch { return .failed(error) }
                }
            }
            func arm(_ delay: Duration, _ event: RaceEvent<T>) {
                group.addTask {
                    do {
                        try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                        return event
                    } catch {
                        return .timerCancelled
                    }
                }
            }
            launch(attempt)
            if let hedgeAfter { arm(hedgeAfter, .hedgeTimerFired) }
            if let limit { arm(limit, .limitPassed) }
            while let event = await group.next() {
                let action: PipelineStateMachine.Action
                switch event {
                case .value(let value):
                    return (machine.attemptSucceeded(now: now()), value)
                case .failed(let error):
                    action = machine.attemptFailed(error, now: now(), cancelled: Task.isCancelled)
                case .hedgeTimerFired:
                    action = machine.hedgeTimerFired(now: now())
                case .limitPassed:
                    action = machine.attemptTimedOut(now: now(), cancelled: Task.isCancelled)
                case .timerCancelled:
                    continue
                }
                switch action {
                case .wait:
                    continue
                case .hedge(let hedge, let rearmAfter):
                    launch(hedge)
                    if let rearmAfter { arm(rearmAfter, .hedgeTimerFired) }
                case .startHedgeTimer(let delay):
                    arm(delay, .hedgeTimerFired)
                default:
                    return (action, nil)
                }
            }
            preconditionFailure("an attempt's race ends with its last send")
        }
    }

    /// The ``Attempt`` the operation is handed for the machine's `attempt`.
    @inlinable
    func info(_ attempt: PipelineStateMachine.Attempt) -> Attempt {
        Attempt(number: attempt.number, previous: attempt.previousFailure, deadlineSinceEpoch: attempt.deadline,
                timeLimit: attempt.timeLimit)
    }
}
