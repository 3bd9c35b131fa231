extension PipelineStateMachine {
    /// What to do after a failed attempt.
    @usableFromInline
    struct Verdict {
        @usableFromInline var action: DecisionRecord.Action
        @usableFromInline var delay: Duration?
        @usableFromInline var source: DecisionRecord.DelaySource?
        @usableFromInline var rule: DecisionRecord.Rule

        @usableFromInline
        init(action: DecisionRecord.Action, delay: Duration? = nil, source: DecisionRecord.DelaySource? = nil, rule: DecisionRecord.Rule) {
            self.action = action
            self.delay = delay
            self.source = source
            self.rule = rule
        }
    }

    /// The retry rules on the parts of a failure, in order: the decision must be retried (a `refresh`
    /// needs a refresh step); a failure after which the server may have acted (``Failure/serverMayHaveActed``:
    /// `maybeProcessed`, or a response other than 408, 409, 412, 425, 429 and 503) needs an idempotent operation;
    /// attempts must be left; a named delay (`retryAfter`) is honoured up to
    /// ``RetryPolicy/maximumRetryAfter`` (above it the operation ends so the caller can reschedule) with
    /// a little jitter on top (``RetryPolicy/retryAfterJitter(for:fraction:)``), otherwise the backoff
    /// formula draws one; the wait must end before the overall `deadline`.
    @inlinable
    static func verdict(decision: Decision, mayHaveActed: Bool, retryAfter: Duration?, namedByBreaker: Bool, number: Int,
                        idempotent: Bool, canRefresh: Bool, now: Duration, deadline: Duration?, previousDelay: Duration?,
                        retry: RetryPolicy, random: RandomSource) -> Verdict {
        let refreshes: Bool
        if case .refresh = decision { refreshes = true } else { refreshes = false }
        if refreshes {
            guard canRefresh, retry.retries(.retry) || retry.retries(.refresh) else {
                return Verdict(action: .gaveUp, rule: .noRefreshStep)
            }
        } else if !retry.retries(decision) {
            return Verdict(action: .gaveUp, rule: .decisionNotRetried)
        }
        // A refresh rebuilds the request from state re-read after a 409/412, which says the write was
        // refused; every other retry resends the same request.
        if mayHaveActed, !idempotent, !refreshes {
            return Verdict(action: .gaveUp, rule: .notIdempotent)
        }
        if number >= retry.maximumAttempts {
            return Verdict(action: .gaveUp, rule: .attemptsSpent(maximumAttempts: retry.maximumAttempts))
        }
        var verdict: Verdict
        if let named = retryAfter {
            let source: DecisionRecord.DelaySource = namedByBreaker ? .breaker : .retryAfter
            if named > retry.maximumRetryAfter {
                return Verdict(action: .gaveUp, delay: named, source: source, rule: .retryAfterAboveCap(cap: retry.maximumRetryAfter))
            }
            // The breaker's own open time needs no spreading: each caller's rejection came at its own moment.
            let jitter = namedByBreaker ? .zero : retry.retryAfterJitter(for: named, fraction: random.fraction())
            verdict = Verdict(action: .retry, delay: named + jitter, source: source, rule: .waitAsNamed)
        } else {
            var generator = random.generator
            let draw = retry.backoff.delay(retry: number, previous: previousDelay, using: &generator)
            verdict = Verdict(action: .retry, delay: draw.delay,
                              source: .backoff(retry.backoff.strategy, ceiling: draw.ceiling, random: draw.random), rule: .backoff)
        }
        if refreshes {
            verdict.action = .refreshAndRetry
            verdict.rule = .refresh
        }
        if let deadline, let delay = verdict.delay, now + delay >= deadline {
            return Verdict(action: .gaveUp, delay: delay, source: verdict.source, rule: .deadlineWouldPass)
        }
        return verdict
    }
}
