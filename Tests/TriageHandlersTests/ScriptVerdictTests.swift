import Foundation
import Testing
import TriageHandlers
import TriageTestKit

/// The `triage kube handle` exit-code convention, and what the rules make of it.
@Suite struct ScriptVerdictTests {
    func result(_ exit: Int32?, out: String = "", err: String = "") -> Result<Void, any Error> {
        ScriptVerdict.result(exit: exit, signal: exit == nil ? 9 : nil, standardOutput: out, standardError: err,
                             temporaryDelay: .seconds(60))
    }

    @Test func exitZeroIsSuccess() throws {
        try result(0).get()
    }

    @Test func exit75IsTemporaryWithTheRetryAfter() throws {
        let error = try #require(result(75, out: "working\ndelay=2.5\n", err: "warming up\nnot ready yet\n").failure as? TemporaryError)
        #expect(error.delay == .milliseconds(2500))
        #expect(error.message == "not ready yet")
        let plain = try #require(result(75).failure as? TemporaryError)
        #expect(plain.delay == .seconds(60))
    }

    @Test(arguments: ["delay=-5", "delay=abc", "delay=inf", "delay=nan", "delay=", "delay=1e300", "Delay=5"])
    func hostileDelaysFallBackOrAreCapped(line: String) throws {
        let error = try #require(result(75, out: line).failure as? TemporaryError)
        if line == "delay=1e300" {
            #expect(error.delay == .seconds(86_400))
        } else {
            #expect(error.delay == .seconds(60))
        }
    }

    @Test func exit65IsPermanent() throws {
        let error = try #require(result(65, err: "spec.size must be positive").failure as? PermanentError)
        #expect(error.message == "spec.size must be positive")
    }

    @Test func otherExitsAndSignalsAreArbitraryErrors() throws {
        let exited = try #require(result(1, err: "boom").failure as? ScriptError)
        #expect(exited.exit == 1 && exited.message == "boom")
        #expect(exited.description == "boom (exited with 1)")
        let killed = try #require(result(nil).failure as? ScriptError)
        #expect(killed.signal == 9)
        #expect(killed.failureKind == .unknown)
    }

    @Test func classifiedModeReadsTheKindFromStderr() throws {
        var options = HandlerOptions.kopf
        options.errors = .classified
        var random = FixedRandom(fraction: 0.5)
        let now = Date(timeIntervalSince1970: 0)
        func outcome(_ err: String) -> HandlerOutcome {
            HandlerRules.judge(result(1, err: err), progress: HandlerProgress(), options: options, now: now, random: &random).outcome
        }
        #expect(outcome("kind=http.throttled") == .retry(after: .seconds(60)))
        #expect(outcome("kind=http.conflict") == .retry(after: .seconds(1)))
        #expect(outcome("kind=http.invalid") == .failed)
        // unknown: temporary, the taxonomy's default for handlers (it failed for good before)
        #expect(outcome("kind=no.such.kind") == .retry(after: .seconds(60)))
        #expect(outcome("something broke") == .retry(after: .seconds(60)))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
