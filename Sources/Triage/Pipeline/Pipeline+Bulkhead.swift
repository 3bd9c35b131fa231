extension Pipeline {
    /// Takes a slot of `bulkhead`, waiting in its queue at most until `deadline` (a time since
    /// ``epoch``; `nil`: as long as it takes). A free slot is taken without a task group.
    ///
    /// - Throws: `concurrency.limited` when the queue is full; `attempt.timeout` (or `deadline.exceeded`
    ///   when `isOverallDeadline`) with delivery `notSent` when the deadline passes first;
    ///   `CancellationError` when the caller is cancelled.
    @usableFromInline
    func acquireSlot(_ bulkhead: Bulkhead, until deadline: Duration?, isOverallDeadline: Bool) async throws {
        if bulkhead.tryAcquire() { return }
        guard let deadline, bulkhead.maximumQueued > 0 else {
            try await bulkhead.acquire()
            return
        }
        let timedOut = Failure(isOverallDeadline ? .deadlineExceeded : .attemptTimeout, delivery: .notSent,
                               detail: "no bulkhead slot before the deadline")
        let wait = deadline - now()
        guard wait > .zero else { throw timedOut }
        let clock = self.clock
        let events = await withTaskGroup(of: BulkheadWaitEvent.self, returning: [BulkheadWaitEvent].self) { group in
            group.addTask {
                do {
                    try await bulkhead.acquire()
                    return .acquired
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                do {
                    try await clock.sleep(until: clock.now.advanced(by: wait), tolerance: nil)
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            // The first event ends the race; the other side is cancelled, and both are collected so
            // that a slot granted as the timer fired is not lost.
            var events: [BulkheadWaitEvent] = []
            while let event = await group.next() {
                events.append(event)
                group.cancelAll()
            }
            return events
        }
        if events.contains(where: { if case .acquired = $0 { true } else { false } }) { return }
        for case .failed(let error) in events where error is Failure { throw error }
        if Task.isCancelled { throw CancellationError() }
        throw timedOut
    }
}

/// What ends a bounded bulkhead wait (``Pipeline/acquireSlot(_:until:isOverallDeadline:)``).
@usableFromInline
enum BulkheadWaitEvent: Sendable {
    case acquired, failed(any Error), timerFired, timerCancelled
}
