import Testing
import TriageOutbox

/// The receiver's deduplication must not lose a message whose effect failed.
@Suite("Outbox inbox")
struct OutboxInboxTests {
    struct EffectFailed: Error {}

    @Test("a failed effect is not remembered: the resend is acted on; a later duplicate is not")
    func failedEffectIsActedOnWhenResent() async throws {
        let inbox = OutboxInbox(retention: .seconds(60))
        await #expect(throws: EffectFailed.self) {
            _ = try await inbox.handle("k", now: 0) { () async throws -> Int in throw EffectFailed() }
        }
        guard case .acted(let value) = try await inbox.handle("k", now: 10, { 42 }) else {
            Issue.record("the resend after a failed effect was not acted on")
            return
        }
        #expect(value == 42)
        guard case .duplicate = try await inbox.handle("k", now: 20, { 0 }) else {
            Issue.record("a duplicate after success was acted on again")
            return
        }
    }

    @Test("a duplicate arriving while the first is being acted on is busy, not done")
    func concurrentDuplicateIsBusy() async throws {
        let inbox = OutboxInbox()
        let (started, go) = AsyncStream<Void>.makeStream()
        let (release, open) = AsyncStream<Void>.makeStream()
        async let first = inbox.handle("k", now: 0) { () async -> Int in
            go.yield()
            for await _ in release { break }
            return 1
        }
        for await _ in started { break }
        let second = try await inbox.handle("k", now: 0) { 2 }
        if case .busy = second {} else { Issue.record("expected busy, got \(second)") }
        open.yield()
        if case .acted(1) = try await first {} else { Issue.record("the first was not acted on") }
    }
}
