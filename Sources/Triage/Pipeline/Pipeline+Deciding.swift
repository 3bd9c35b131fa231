extension Pipeline {
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

    /// The retry rules, in order: the decision must be retried (a `refresh` needs a refresh step);
    /// a `maybeProcessed` failure needs an idempotent operation; attempts must be left; a named delay
    /// is honoured up to the cap (above it the operation ends so the caller can reschedule), otherwise
    /// the backoff formula draws one; the wait must end before the overall deadline.
    @usableFromInline
    func decide(_ failure: Failure, number: Int, idempotent: Bool, canRefresh: Bool, now: C.Instant, deadline: C.Instant?,
                previousDelay: Duration?, random: inout RandomSource.Generator) -> Verdict {
        if failure.decision == .refresh {
            guard canRefresh, retry.retriedDecisions.contains(.retry) || retry.retriedDecisions.contains(.refresh) else {
                return Verdict(action: .gaveUp, rule: .noRefreshStep)
            }
        } else if !retry.retriedDecisions.contains(failure.decision) {
            return Verdict(action: .gaveUp, rule: .decisionNotRetried)
        }
        if failure.delivery == .maybeProcessed, !idempotent {
            return Verdict(action: .gaveUp, rule: .notIdempotent)
        }
        if number >= retry.maxAttempts {
            return Verdict(action: .gaveUp, rule: .attemptsSpent(maxAttempts: retry.maxAttempts))
        }
        var verdict: Verdict
        if let named = failure.retryAfter {
            if named > retry.maximumRetryAfter {
                return Verdict(action: .gaveUp, delay: named, source: .retryAfter, rule: .namedDelayAboveCap(cap: retry.maximumRetryAfter))
            }
            verdict = Verdict(action: .retry, delay: named, source: failure.kind == .circuitOpen ? .breaker : .retryAfter, rule: .waitAsNamed)
        } else {
            let draw = retry.backoff.delay(retry: number, previous: previousDelay, using: &random)
            verdict = Verdict(action: .retry, delay: draw.delay,
                              source: .backoff(retry.backoff.strategy, ceiling: draw.ceiling, random: draw.random), rule: .backoff)
        }
        if failure.decision == .refresh {
            verdict.action = .refreshAndRetry
            verdict.rule = .refresh
        }
        if let deadline, let delay = verdict.delay, now.advanced(by: delay) >= deadline {
            return Verdict(action: .gaveUp, delay: delay, source: verdict.source, rule: .deadlineWouldPass)
        }
        return verdict
    }
}
