import Testing
import Triage
import TriageOutbox
import TriageTestKit

@Suite("OutboxRetryRule")
struct OutboxRetryRuleTests {
    let rule = OutboxRetryRule(backoff: Backoff(.exponential, base: .milliseconds(100), cap: .seconds(10)),
                               maximumRetryAfter: .seconds(60))

    func action(_ failure: Failure, failures: Int = 1, expiresAt: OutboxTimestamp? = nil) -> OutboxRetryRule.Action {
        var generator = SeededRandom(seed: 1)
        return rule.action(after: failure, consecutiveFailures: failures, now: 0, expiresAt: expiresAt, using: &generator)
    }

    @Test("connection failures back off exponentially; 409 is retried, not dead")
    func retryable() {
        #expect(action(Failure(.connectRefused), failures: 3) == .retry(delay: .milliseconds(400), named: false))
        #expect(action(Failure(.httpConflict, status: 409)) == .retry(delay: .milliseconds(100), named: false))
    }

    @Test("Retry-After is honoured and capped")
    func retryAfter() {
        #expect(action(Failure(.httpThrottled, retryAfter: .seconds(7), status: 429)) == .retry(delay: .seconds(7), named: true))
        #expect(action(Failure(.httpUnavailable, retryAfter: .seconds(600), status: 503)) == .retry(delay: .seconds(60), named: true))
    }

    @Test("permanent failures dead-letter; a transport's spent deadline backs off; a retry past the expiry expires")
    func terminal() {
        #expect(action(Failure(.httpInvalid, status: 422)) == .deadLetter(kind: .httpInvalid))
        #expect(action(Failure(.deadlineExceeded)) == .retry(delay: .milliseconds(100), named: false))
        #expect(action(Failure(.httpPreconditionFailed, status: 412)) == .deadLetter(kind: .httpPreconditionFailed))
        #expect(action(Failure(.httpPayloadTooLarge, retryAfter: .seconds(5), status: 413)) == .deadLetter(kind: .httpPayloadTooLarge))
        #expect(action(Failure(.httpRequestTimeout, status: 408)) == .retry(delay: .milliseconds(100), named: false))
        #expect(action(Failure(.connectRefused), failures: 1, expiresAt: 50) == .deadLetter(kind: .messageExpired))
    }
}
