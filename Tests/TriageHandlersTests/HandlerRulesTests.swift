import Foundation
import Testing
import TriageHandlers
import TriageTestKit

/// The rules alone: a result, a progress and options in, a verdict out. No clock, no task.
@Suite struct HandlerRulesTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    struct Boom: Error {}

    func judge(_ error: (any Error)?, progress: HandlerProgress = HandlerProgress(), options: HandlerOptions = .kopf,
               at seconds: Double = 0) -> HandlerJudgement {
        var random = FixedRandom(fraction: 0.5)
        let result: Result<Void, any Error> = error.map { .failure($0) } ?? .success(())
        return HandlerRules.judge(result, progress: progress, options: options, now: t0.addingTimeInterval(seconds), random: &random)
    }

    @Test func aSuccessFinishesTheChange() {
        let verdict = judge(nil)
        #expect(verdict.outcome == .succeeded)
        #expect(verdict.progress.success && !verdict.progress.failure)
        #expect(verdict.progress.started == t0 && verdict.progress.stopped == t0)
        #expect(verdict.progress.records.map(\.decision) == ["succeed"])
    }

    @Test func aTemporaryErrorWaitsItsDelay() {
        let verdict = judge(TemporaryError("not yet", delay: .seconds(5)))
        #expect(verdict.outcome == .retry(after: .seconds(5)))
        #expect(verdict.kind == .handlerTemporary)
        #expect(verdict.progress.retries == 1)
        #expect(verdict.progress.delayed == t0.addingTimeInterval(5))
        #expect(verdict.progress.message == "not yet")
        #expect(TemporaryError("x").delay == .seconds(60))
    }

    @Test func aPermanentErrorFailsForGood() {
        let verdict = judge(PermanentError("bad spec"))
        #expect(verdict.outcome == .failed)
        #expect(verdict.kind == .handlerPermanent)
        #expect(verdict.progress.failure && !verdict.progress.success)
        #expect(verdict.progress.message == "bad spec")
    }

    @Test(arguments: [
        (ErrorsMode.temporary, HandlerOutcome.retry(after: .seconds(60))),
        (.permanent, .failed),
        (.ignored, .ignored),
        (.classified, .retry(after: .seconds(60))),  // taxonomy: `unknown` is, for handlers, temporary by default
    ])
    func anArbitraryErrorFollowsTheErrorsMode(mode: ErrorsMode, expected: HandlerOutcome) {
        var options = HandlerOptions.kopf
        options.errors = mode
        let verdict = judge(Boom(), options: options)
        #expect(verdict.outcome == expected)
        #expect(verdict.kind == .unknown)
        if mode == .ignored {
            #expect(verdict.progress.success)
            #expect(verdict.progress.message == "Boom()")
        }
    }

    @Test(arguments: [
        (Failure(.httpThrottled, retryAfter: .seconds(7)), HandlerOutcome.retry(after: .seconds(7))),
        (Failure(.httpConflict), .retry(after: .seconds(1))),
        (Failure(.watchExpired), .retry(after: .seconds(1))),
        (Failure(.dnsFailure), .retry(after: .seconds(60))),
        (Failure(.connectionReset), .retry(after: .seconds(60))),
        (Failure(.httpBadRequest), .failed),
        (Failure(.httpInvalid), .failed),
        (Failure(.httpForbidden), .failed),
    ])
    func classifiedModeDecidesAsTheTaxonomy(failure: Failure, expected: HandlerOutcome) {
        var options = HandlerOptions.kopf
        options.errors = .classified
        let verdict = judge(failure, options: options)
        #expect(verdict.outcome == expected)
        #expect(verdict.kind == failure.kind)
    }

    @Test func retriesAreCountedAfterTheFirstAttempt() {
        var options = HandlerOptions.kopf
        options.retries = 2
        var progress = HandlerProgress()
        var outcomes: [HandlerOutcome] = []
        for attempt in 0..<3 {
            let verdict = judge(Boom(), progress: progress, options: options, at: Double(attempt) * 60)
            outcomes.append(verdict.outcome)
            progress = verdict.progress
        }
        #expect(outcomes == [.retry(after: .seconds(60)), .retry(after: .seconds(60)), .failed])
        #expect(progress.kind == "handler.retriesExhausted")
        #expect(progress.failure)
        #expect(progress.records.map(\.retry) == [0, 1, 2])
    }

    @Test func aRetryThatWouldPassTheTimeoutFailsNow() {
        var options = HandlerOptions.kopf
        options.timeout = .seconds(100)
        let started = HandlerProgress(started: t0)
        let late = judge(TemporaryError("wait", delay: .seconds(60)), progress: started, options: options, at: 50)
        #expect(late.outcome == .failed)
        #expect(late.kind == .handlerTimeout)
        let inTime = judge(TemporaryError("wait", delay: .seconds(40)), progress: started, options: options, at: 50)
        #expect(inTime.outcome == .retry(after: .seconds(40)))
    }

    @Test func aChangeWhoseTimeoutPassedIsNotRun() {
        var options = HandlerOptions.kopf
        options.timeout = .seconds(100)
        let progress = HandlerProgress(started: t0, retries: 3)
        #expect(HandlerRules.admit(progress: progress, options: options, now: t0.addingTimeInterval(99)) == nil)
        let refused = HandlerRules.admit(progress: progress, options: options, now: t0.addingTimeInterval(101))
        #expect(refused?.outcome == .failed)
        #expect(refused?.kind == .handlerTimeout)
        #expect(refused?.progress.failure == true)
        #expect(refused?.progress.retries == 3)
    }

    @Test func progressKeepsTheLastFiveRecords() {
        var progress = HandlerProgress()
        for attempt in 0..<8 {
            progress = judge(Boom(), progress: progress, at: Double(attempt)).progress
        }
        #expect(progress.retries == 8)
        #expect(progress.records.count == HandlerProgress.recordLimit)
        #expect(progress.records.first?.retry == 3)
    }

    @Test func progressReadsBackWithKopfsFieldNames() throws {
        let progress = judge(TemporaryError("later", delay: .seconds(5))).progress
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let json = try encoder.encode(progress)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        for field in ["started", "delayed", "retries", "success", "failure", "message"] {
            #expect(object[field] != nil, "missing \(field)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(HandlerProgress.self, from: json) == progress)
        #expect(try decoder.decode(HandlerProgress.self, from: Data("{}".utf8)) == HandlerProgress())
    }

    @Test func invalidOptionsAreRefused() {
        var options = HandlerOptions.kopf
        options.retries = -1
        #expect(throws: ConfigurationError.self) { try options.validate() }
        options = .kopf
        options.attemptTimeout = .zero
        #expect(throws: ConfigurationError.self) { try options.validate() }
        #expect(throws: Never.self) { try HandlerOptions.kopf.validate() }
    }

    @Test func theDigestIgnoresMetadataAndStatus() throws {
        let a = try #require(HandlerChange.digest(of: Array(#"{"metadata":{"resourceVersion":"1"},"spec":{"a":1,"b":2},"status":{"x":1}}"#.utf8)))
        let b = try #require(HandlerChange.digest(of: Array(#"{"spec":{"b":2,"a":1},"metadata":{"resourceVersion":"2"}}"#.utf8)))
        let c = try #require(HandlerChange.digest(of: Array(#"{"spec":{"a":2,"b":2}}"#.utf8)))
        #expect(a == b)
        #expect(a != c)
        #expect(HandlerChange.digest(of: Array("[1]".utf8)) == nil)
        #expect(HandlerChange.digest(of: Array("{garbage".utf8)) == nil)
    }
}

extension HandlerRulesTests {
    @Test func theVerdictSaysWhatTheAttemptThrew() {
        var options = HandlerOptions.kopf
        options.retries = 0
        #expect(judge(nil).thrown == nil)
        #expect(judge(TemporaryError("t")).thrown == .temporary)
        #expect(judge(PermanentError("p")).thrown == .permanent)
        #expect(judge(HandlerAttemptTimeout(limit: .seconds(1))).thrown == .attemptTimeout)
        let exhausted = judge(Boom(), options: options)
        #expect(exhausted.kind == .handlerRetriesExhausted)
        #expect(exhausted.thrown == .arbitrary)
    }
}
