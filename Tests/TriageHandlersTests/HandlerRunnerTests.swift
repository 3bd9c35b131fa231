import Triage
import Foundation
import Logging
import Testing
import TriageHandlers
import TriageTestKit

/// The runner on a manual clock: waits are slept on it, wall time is derived from it.
@Suite struct HandlerRunnerTests {
    let clock = ManualClock()
    let store = InMemoryProgressStore()
    let reporter = InMemoryHandlerReporter()
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date { Self.epoch.addingTimeInterval(clock.now.offset.triageSeconds) }

    func runner(_ handlers: [Handler]) -> HandlerRunner<ManualClock> {
        let clock = self.clock
        return HandlerRunner(handlers: handlers, store: store, reporter: reporter, clock: clock,
                             wallTime: { Self.epoch.addingTimeInterval(clock.now.offset.triageSeconds) },
                             logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static let object = HandlerObject(namespace: "default", name: "a", uid: "u1")
    static func change(_ spec: Int, cause: HandlerCause = .create) -> HandlerChange {
        let body = Array(#"{"metadata":{"name":"a"},"spec":{"n":\#(spec)}}"#.utf8)
        return HandlerChange(object: object, body: body, cause: cause, digest: HandlerChange.digest(of: body)!)
    }

    /// Runs `runner` until `done()` holds, driving the manual clock, then stops it.
    func drive(_ runner: HandlerRunner<ManualClock>, until done: @escaping @Sendable () -> Bool) async {
        let task = Task { await runner.run() }
        await clock.runUntilIdle(until: done)
        runner.finish()
        task.cancel()
        await task.value
    }

    @Test func temporaryErrorsAreRetriedUntilSuccess() async throws {
        let calls = LockedValue<[Int]>([])
        let handler = Handler(id: "h") { context in
            let n = calls.withLock { $0.append(context.retry); return $0.count }
            if n < 3 { throw TemporaryError("not ready", delay: .seconds(10)) }
        }
        let runner = runner([handler])
        runner.submit(Self.change(1))
        let store = self.store
        await drive(runner) { store.snapshot[Self.object]?.lastHandled != nil }
        #expect(calls.withLock { $0 } == [0, 1, 2])
        #expect(clock.now.offset == .seconds(20))
        #expect(reporter.all.map(\.judgement.outcome) == [.retry(after: .seconds(10)), .retry(after: .seconds(10)), .succeeded])
        let progress = try #require(store.snapshot[Self.object]?.handlers["h"])
        #expect(progress.success && progress.retries == 2)
    }

    @Test func theSameChangeDuringABackoffNeitherRunsNorRaisesTheBackoff() async throws {
        let calls = LockedValue(0)
        var options = HandlerOptions.kopf
        options.backoff = Backoff(.exponential, base: .seconds(10), cap: .seconds(1000))
        let handler = Handler(id: "h", options: options) { _ in
            if calls.withLock({ $0 += 1; return $0 }) < 3 { throw Failed() }
        }
        let runner = runner([handler])
        let task = Task { await runner.run() }
        runner.submit(Self.change(1))
        await clock.waitForSleepers(1)
        // Five events for the same content (say, status updates) while the handler waits 10 s.
        for _ in 0..<5 { runner.submit(Self.change(1, cause: .update)) }
        for _ in 0..<100 { await Task.yield() }
        #expect(calls.withLock { $0 } == 1)
        let store = self.store
        await clock.runUntilIdle { store.snapshot[Self.object]?.lastHandled != nil }
        runner.finish()
        task.cancel()
        await task.value
        #expect(calls.withLock { $0 } == 3)
        // Retry 1 waits 10 s, retry 2 waits 20 s: the events did not push the exponent.
        #expect(reporter.all.map(\.judgement.outcome) == [.retry(after: .seconds(10)), .retry(after: .seconds(20)), .succeeded])
        #expect(clock.now.offset == .seconds(30))
    }

    @Test func aNewChangeDuringABackoffRunsAtOnceWithFreshProgress() async throws {
        let seen = LockedValue<[String]>([])
        let handler = Handler(id: "h") { context in
            let spec = String(decoding: context.body, as: UTF8.self)
            seen.withLock { $0.append("\(context.retry):\(spec.contains("\"n\":1") ? 1 : 2)") }
            if spec.contains("\"n\":1") { throw TemporaryError("wait", delay: .seconds(600)) }
        }
        let runner = runner([handler])
        let task = Task { await runner.run() }
        runner.submit(Self.change(1))
        await clock.waitForSleepers(1)
        runner.submit(Self.change(2, cause: .update))
        let store = self.store
        let digest = Self.change(2).digest
        await clock.runUntilIdle { store.snapshot[Self.object]?.lastHandled == digest }
        runner.finish()
        task.cancel()
        await task.value
        #expect(seen.withLock { $0 } == ["0:1", "0:2"])
        #expect(clock.now.offset == .zero)
    }

    @Test func aForgottenObjectIsNotRetriedAndItsProgressIsDropped() async throws {
        let calls = LockedValue(0)
        let handler = Handler(id: "h") { _ in
            calls.withLock { $0 += 1 }
            throw TemporaryError("wait", delay: .seconds(600))
        }
        let runner = runner([handler])
        let task = Task { await runner.run() }
        runner.submit(Self.change(1))
        await clock.waitForSleepers(1)
        #expect(store.snapshot[Self.object] != nil)
        await runner.forget(Self.object)
        // The wait is cut short and the worker stops without the clock moving: run() returns.
        runner.finish()
        await task.value
        #expect(clock.now.offset == .zero)
        #expect(calls.withLock { $0 } == 1)
        #expect(store.snapshot[Self.object] == nil)
    }

    @Test func aForgetDuringAnAttemptDropsWhatTheAttemptSaves() async throws {
        let entered = LockedValue(false)
        let release = LockedValue(false)
        let handler = Handler(id: "h") { _ in
            entered.withLock { $0 = true }
            while !release.withLock({ $0 }) { await Task.yield() }
            throw TemporaryError("wait", delay: .seconds(600))
        }
        let runner = runner([handler])
        let task = Task { await runner.run() }
        runner.submit(Self.change(1))
        while !entered.withLock({ $0 }) { await Task.yield() }
        await runner.forget(Self.object)
        release.withLock { $0 = true }
        runner.finish()
        await task.value
        #expect(store.snapshot[Self.object] == nil)
        #expect(clock.now.offset == .zero)
    }

    @Test func anObjectCreatedAgainUnderItsNameIsANewChange() async throws {
        let runs = LockedValue<[String]>([])
        let handler = Handler(id: "h") { context in
            runs.withLock { $0.append(context.object.uid ?? "-") }
            if context.object.uid == "u1" { throw TemporaryError("wait", delay: .seconds(600)) }
        }
        let runner = runner([handler])
        let task = Task { await runner.run() }
        runner.submit(Self.change(1))
        await clock.waitForSleepers(1)
        // Deleted and created again with the same spec: same digest, another uid.
        await runner.forget(Self.object)
        var again = Self.change(1)
        again.object.uid = "u2"
        runner.submit(again)
        let store = self.store
        let recreated = again.object
        await clock.runUntilIdle { store.snapshot[recreated]?.lastHandled != nil }
        runner.finish()
        await task.value
        #expect(runs.withLock { $0 } == ["u1", "u2"])
        #expect(clock.now.offset == .zero)
    }

    @Test func aHandledChangeIsNotRunAgainByARestartedRunner() async throws {
        let calls = LockedValue(0)
        let handler = Handler(id: "h") { _ in calls.withLock { $0 += 1 } }
        let first = runner([handler])
        first.submit(Self.change(1))
        let store = self.store
        await drive(first) { store.snapshot[Self.object]?.lastHandled != nil }
        let second = runner([handler])
        second.submit(Self.change(1, cause: .update))
        second.submit(Self.change(1, cause: .update))
        second.finish()
        await second.run()
        #expect(calls.withLock { $0 } == 1)
    }

    /// A restarted runner lists every object as ADDED; one whose content changed after its last handled
    /// change is an update (`triage kube handle` said `create`), one never handled a creation.
    @Test func aChangeMadeWhileNoRunnerWatchedIsAnUpdate() async throws {
        try await store.save(ObjectProgress(lastHandled: Self.change(1).digest), for: Self.object)
        let causes = LockedValue<[HandlerCause]>([])
        let runner = runner([Handler(id: "h") { context in causes.withLock { $0.append(context.cause) } }])
        runner.submit(Self.change(2, cause: .create))
        let store = self.store
        await drive(runner) { store.snapshot[Self.object]?.lastHandled == Self.change(2).digest }
        #expect(causes.withLock { $0 } == [.update])
    }

    @Test func aRestartResumesWithTheStoredRetriesAndStart() async throws {
        let started = Self.epoch.addingTimeInterval(-30)
        let digest = Self.change(1).digest
        try await store.save(ObjectProgress(handling: digest, handlers: ["h": HandlerProgress(started: started, retries: 2)]), for: Self.object)
        let contexts = LockedValue<[HandlerContext]>([])
        let runner = runner([Handler(id: "h") { context in contexts.withLock { $0.append(context) } }])
        runner.submit(Self.change(1, cause: .update))
        let store = self.store
        await drive(runner) { store.snapshot[Self.object]?.lastHandled != nil }
        let context = try #require(contexts.withLock { $0.first })
        #expect(context.cause == .resume)
        #expect(context.retry == 2)
        #expect(context.started == started)
    }

    @Test func theOverallTimeoutCountsTheDowntime() async throws {
        let digest = Self.change(1).digest
        let started = Self.epoch.addingTimeInterval(-1000)
        try await store.save(ObjectProgress(handling: digest, handlers: ["h": HandlerProgress(started: started, retries: 1)]), for: Self.object)
        var options = HandlerOptions.kopf
        options.timeout = .seconds(600)
        let calls = LockedValue(0)
        let runner = runner([Handler(id: "h", options: options) { _ in calls.withLock { $0 += 1 } }])
        runner.submit(Self.change(1))
        let store = self.store
        await drive(runner) { store.snapshot[Self.object]?.lastHandled != nil }
        #expect(calls.withLock { $0 } == 0)
        let progress = try #require(store.snapshot[Self.object]?.handlers["h"])
        #expect(progress.failure)
        #expect(progress.kind == "handler.timeout")
    }

    @Test func anAttemptTimeoutCancelsTheRunningHandler() async throws {
        var options = HandlerOptions.kopf
        options.attemptTimeout = .seconds(5)
        options.retries = 0
        let cancelled = LockedValue(false)
        let clock = self.clock
        let runner = runner([Handler(id: "h", options: options) { _ in
            do { try await clock.sleep(for: .seconds(3600)) } catch { cancelled.withLock { $0 = true }; throw error }
        }])
        runner.submit(Self.change(1))
        let store = self.store
        await drive(runner) { store.snapshot[Self.object]?.lastHandled != nil }
        #expect(cancelled.withLock { $0 })
        #expect(clock.now.offset == .seconds(5))
        let progress = try #require(store.snapshot[Self.object]?.handlers["h"])
        #expect(progress.kind == "handler.retriesExhausted")
        #expect(progress.message?.contains("attempt timeout") == true)
    }

    @Test func aParentIsDoneWhenAllItsChildrenAre() async throws {
        let tries = LockedValue(0)
        let parent = Handler(id: "p", children: [
            Handler(id: "one") { _ in },
            Handler(id: "two") { _ in if tries.withLock({ $0 += 1; return $0 }) == 1 { throw TemporaryError("again", delay: .seconds(1)) } },
        ])
        let runner = runner([parent])
        runner.submit(Self.change(1))
        let store = self.store
        await drive(runner) { store.snapshot[Self.object]?.lastHandled != nil }
        let handlers = try #require(store.snapshot[Self.object]?.handlers)
        #expect(handlers["p/one"]?.success == true)
        #expect(handlers["p/two"]?.success == true && handlers["p/two"]?.retries == 1)
        #expect(handlers["p"]?.subrefs == ["p/one", "p/two"])
        #expect(handlers["p"]?.success == true)
        #expect(reporter.all.map(\.handlerID) == ["p/one", "p/two", "p/two"])
    }

    struct Failed: Error {}
}

/// Counts the saves a runner makes, for the one-write-per-attempt rule.
final class CountingStore: HandlerProgressStore {
    let inner = InMemoryProgressStore()
    let saves = LockedValue(0)
    func load(_ change: HandlerChange) async throws -> ObjectProgress { try await inner.load(change) }
    func save(_ progress: ObjectProgress, for object: HandlerObject) async throws {
        saves.withLock { $0 += 1 }
        try await inner.save(progress, for: object)
    }
}

extension HandlerRunnerTests {
    @Test func eachAttemptIsOneSaveAndTheLastOneRecordsTheChangeAsHandled() async throws {
        let store = CountingStore()
        let clock = self.clock
        let calls = LockedValue(0)
        let runner = HandlerRunner(handlers: [Handler(id: "h") { _ in
            if calls.withLock({ $0 += 1; return $0 }) == 1 { throw TemporaryError("once", delay: .seconds(1)) }
        }], store: store, clock: clock, wallTime: { Self.epoch.addingTimeInterval(clock.now.offset.triageSeconds) },
           logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        runner.submit(Self.change(1))
        let task = Task { await runner.run() }
        await clock.runUntilIdle { store.inner.snapshot[Self.object]?.lastHandled != nil }
        runner.finish()
        task.cancel()
        await task.value
        #expect(calls.withLock { $0 } == 2)
        #expect(store.saves.withLock { $0 } == 2)
    }
}
