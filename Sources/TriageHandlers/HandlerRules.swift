import Foundation
import Triage

/// The rules that turn a handler's result into an outcome: Kopf's semantics, and Triage's classified mode.
///
/// Pure: no clock, no task, no I/O. The runner calls ``admit(progress:options:now:)`` before an attempt
/// and ``judge(_:progress:options:now:random:)`` after it, and stores the progress they return.
///
/// | result | outcome |
/// |---|---|
/// | success | succeeded |
/// | ``TemporaryError`` | retry after its delay |
/// | ``PermanentError`` | failed |
/// | other error, mode `temporary` | retry after ``HandlerOptions/backoff`` (retry *n* = the *n*th failure) |
/// | other error, mode `permanent` | failed |
/// | other error, mode `ignored` | ignored (handled) |
/// | other error, mode `classified` | `unknown` (nothing recognised it) backs off as temporary; otherwise by the classified decision: `retry`/`stop` back off, `retryAfter` waits the named delay, `refresh`/`relist`/`reconnect` wait ``HandlerOptions/refreshDelay``, `fail` fails |
///
/// A retry then meets the limits: past ``HandlerOptions/retries`` it fails as `handler.retriesExhausted`;
/// when it would start after `started + timeout` it fails now as `handler.timeout` (Kopf's look-ahead).
public enum HandlerRules {
    /// Checks a change before an attempt: `nil` to go ahead, or a `handler.timeout` failure when the
    /// overall timeout already passed (say, while the operator was down).
    public static func admit(progress: HandlerProgress, options: HandlerOptions, now: Date) -> HandlerJudgement? {
        guard let timeout = options.timeout, let started = progress.started,
              now >= started.addingTimeInterval(timeout.triageSeconds) else { return nil }
        let reason = "the change started at \(rfc3339(started)) and its timeout of \(timeout.triageSeconds) s has passed"
        var verdict = HandlerJudgement(outcome: .failed, kind: .handlerTimeout, message: reason, reason: reason, progress: progress)
        finish(&verdict, now: now)
        return verdict
    }

    /// The verdict on one attempt whose result is `result`.
    public static func judge(
        _ result: Result<Void, any Error>,
        progress: HandlerProgress,
        options: HandlerOptions,
        now: Date,
        random: inout some RandomNumberGenerator
    ) -> HandlerJudgement {
        var progress = progress
        if progress.started == nil { progress.started = now }
        let error: any Error
        switch result {
        case .success:
            progress.message = nil
            var verdict = HandlerJudgement(outcome: .succeeded, reason: "the handler succeeded", progress: progress)
            finish(&verdict, now: now)
            return verdict
        case .failure(let thrown):
            error = thrown
        }
        var verdict = interpret(error, retry: progress.retries + 1, options: options, random: &random)
        verdict.thrown = switch error {
        case is TemporaryError: .temporary
        case is PermanentError: .permanent
        case is HandlerAttemptTimeout: .attemptTimeout
        default: .arbitrary
        }
        guard case .retry(let delay) = verdict.outcome else {
            verdict.progress = progress
            finish(&verdict, now: now)
            return verdict
        }
        let retries = progress.retries + 1
        if let limit = options.retries, retries > limit {
            let reason = "\(verdict.reason); but the handler has failed \(retries) times and may retry \(limit) times"
            verdict = HandlerJudgement(outcome: .failed, kind: .handlerRetriesExhausted, thrown: verdict.thrown, message: verdict.message,
                                       reason: reason, progress: progress)
            finish(&verdict, now: now)
            return verdict
        }
        if let timeout = options.timeout, let started = progress.started,
           now.addingTimeInterval(delay.triageSeconds) > started.addingTimeInterval(timeout.triageSeconds) {
            let reason = "\(verdict.reason); but a retry in \(delay.triageSeconds) s would pass the timeout of \(timeout.triageSeconds) s"
            verdict = HandlerJudgement(outcome: .failed, kind: .handlerTimeout, thrown: verdict.thrown, message: verdict.message,
                                       reason: reason, progress: progress)
            finish(&verdict, now: now)
            return verdict
        }
        progress.retries = retries
        progress.delayed = now.addingTimeInterval(delay.triageSeconds)
        verdict.progress = progress
        record(&verdict, now: now)
        return verdict
    }

    /// What an error means before the limits: the outcome, the kind, and why.
    static func interpret(
        _ error: any Error, retry: Int, options: HandlerOptions, random: inout some RandomNumberGenerator
    ) -> HandlerJudgement {
        let empty = HandlerProgress()
        if let temporary = error as? TemporaryError {
            return HandlerJudgement(outcome: .retry(after: max(.zero, temporary.delay)), kind: .handlerTemporary, message: temporary.message,
                                    reason: "temporary error; its delay is \(temporary.delay.triageSeconds) s", progress: empty)
        }
        if let permanent = error as? PermanentError {
            return HandlerJudgement(outcome: .failed, kind: .handlerPermanent, message: permanent.message,
                                    reason: "permanent error", progress: empty)
        }
        let failure = options.classifier.classify(error)
        let message = describe(error)
        func backoff(_ why: String) -> HandlerJudgement {
            let draw = options.backoff.delay(retry: retry, previous: nil, using: &random)
            return HandlerJudgement(outcome: .retry(after: draw.delay), kind: failure.kind, message: message,
                                    reason: "\(why); backoff \(options.backoff.strategy) gives \(draw.delay.triageSeconds) s for retry \(retry)",
                                    progress: empty)
        }
        switch options.errors {
        case .temporary:
            return backoff("arbitrary error (\(failure.kind.id)) in errors mode temporary")
        case .permanent:
            return HandlerJudgement(outcome: .failed, kind: failure.kind, message: message,
                                    reason: "arbitrary error (\(failure.kind.id)) in errors mode permanent", progress: empty)
        case .ignored:
            return HandlerJudgement(outcome: .ignored, kind: failure.kind, message: message,
                                    reason: "arbitrary error (\(failure.kind.id)) ignored (errors mode ignored)", progress: empty)
        case .classified:
            // The taxonomy: an error no classifier recognised is, for handlers, temporary by default (its
            // network-call decision `fail` is for calls, not for a handler that printed no kind).
            if failure.kind == .unknown { return backoff("unrecognised error (unknown) in errors mode classified: temporary, the taxonomy's default for handlers") }
            let why = "\(failure.kind.id) is \(failure.decision)"
            switch failure.decision {
            case .retry, .stop:
                return backoff(why)
            case .retryAfter:
                guard let named = failure.retryAfter else { return backoff(why) }
                return HandlerJudgement(outcome: .retry(after: max(.zero, named)), kind: failure.kind, message: message,
                                        reason: "\(why); the named delay is \(named.triageSeconds) s", progress: empty)
            case .refresh, .relist, .reconnect:
                return HandlerJudgement(outcome: .retry(after: options.refreshDelay), kind: failure.kind, message: message,
                                        reason: "\(why): re-read and retry after \(options.refreshDelay.triageSeconds) s", progress: empty)
            case .fail:
                return HandlerJudgement(outcome: .failed, kind: failure.kind, message: message, reason: "\(why): permanent", progress: empty)
            }
        }
    }

    /// A final verdict: its progress is stopped, marked success (succeeded, ignored) or failure. In
    /// place, as ``record(_:now:)``: the progress is not copied per step.
    private static func finish(_ verdict: inout HandlerJudgement, now: Date) {
        if verdict.progress.started == nil { verdict.progress.started = now }
        verdict.progress.stopped = now
        verdict.progress.delayed = nil
        verdict.progress.success = verdict.outcome == .succeeded || verdict.outcome == .ignored
        verdict.progress.failure = verdict.outcome == .failed
        record(&verdict, now: now)
    }

    /// Writes the verdict's kind, decision, message and record into its progress.
    private static func record(_ verdict: inout HandlerJudgement, now: Date) {
        let decision: String
        var delay: Double?
        switch verdict.outcome {
        case .succeeded: decision = "succeed"
        case .retry(let after): decision = "retry"; delay = after.triageSeconds
        case .failed: decision = "fail"
        case .ignored: decision = "ignore"
        }
        let kind = verdict.kind?.id
        verdict.progress.kind = kind
        verdict.progress.decision = decision
        if let message = verdict.message { verdict.progress.message = message }
        let retry = verdict.outcome.isFinal ? verdict.progress.retries : verdict.progress.retries - 1
        verdict.progress.append(HandlerRecord(at: now, retry: retry, kind: kind ?? "success", decision: decision,
                                              delaySeconds: delay, reason: verdict.reason))
    }

    /// The error's own text: a `CustomStringConvertible`'s description, else `String(describing:)`.
    static func describe(_ error: any Error) -> String { String(describing: error) }
}

/// `2026-12-01T12:00:00Z`: the time format of progress records and `TRIAGE_STARTED`.
func rfc3339(_ date: Date) -> String {
    date.formatted(.iso8601)
}
