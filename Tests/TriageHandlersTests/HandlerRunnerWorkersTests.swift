import Foundation
import Logging
import Testing
import Triage
import TriageHandlers
import TriageTestKit

/// The runner's workers: a burst is drained by a few of them, and no object waits behind another
/// object's attempt or delay.
@Suite struct HandlerRunnerWorkersTests {
    let clock = ManualClock()
    let store = InMemoryProgressStore()

    func runner(_ handlers: [Handler]) -> HandlerRunner<ManualClock> {
        let clock = self.clock
        return HandlerRunner(handlers: handlers, store: store, clock: clock,
                             wallTime: { HandlerRunnerTests.epoch.addingTimeInterval(clock.now.offset.triageSeconds) },
                             logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func change(_ name: String, spec: Int = 1) -> HandlerChange {
        let body = Array(#"{"metadata":{"name":"\#(name)"},"spec":{"n":\#(spec)}}"#.utf8)
        return HandlerChange(object: HandlerObject(namespace: "default", name: name), body: body, cause: .create,
                             digest: HandlerChange.digest(of: body) ?? "")
    }

    @Test func aBurstSubmittedBeforeRunIsHandledOnceEach() async {
        let calls = LockedValue<[String: Int]>([:])
        let runner = runner([Handler(id: "h") { context in calls.withLock { $0[context.object.name, default: 0] += 1 } }])
        let names = (0..<500).map { "o\($0)" }
        for name in names { runner.submit(Self.change(name)) }
        // The same content again for some: coalesced, not run twice.
        for name in names.prefix(50) { runner.submit(Self.change(name)) }
        runner.finish()
        await runner.run()
        #expect(calls.withLock { $0 } == Dictionary(uniqueKeysWithValues: names.map { ($0, 1) }))
        #expect(store.snapshot.count == 500)
        #expect(store.snapshot.values.allSatisfy { $0.lastHandled != nil && $0.handling == nil })
    }

    @Test func anObjectInABackoffDoesNotHoldTheOthers() async {
        let calls = LockedValue<[String]>([])
        let runner = runner([Handler(id: "h") { context in
            calls.withLock { $0.append(context.object.name) }
            if context.object.name == "slow" { throw TemporaryError("not yet", delay: .seconds(600)) }
        }])
        let task = Task { await runner.run() }
        runner.submit(Self.change("slow"))
        await clock.waitForSleepers(1)
        for index in 0..<20 { runner.submit(Self.change("o\(index)")) }
        let store = self.store
        // Handled while "slow" sleeps: the clock does not move.
        while store.snapshot.values.filter({ $0.lastHandled != nil }).count < 20 { await Task.yield() }
        #expect(clock.now.offset == .zero)
        #expect(calls.withLock { $0.filter { $0 == "slow" }.count } == 1)
        task.cancel()
        await task.value
    }

    @Test func everyObjectsAttemptRunsAtOnceAndACancelledRunSavesThemNotDone() async {
        let entered = LockedValue(0)
        let release = LockedValue(false)
        let runner = runner([Handler(id: "h") { _ in
            entered.withLock { $0 += 1 }
            // Holds its worker: the other objects get workers of their own.
            while !release.withLock({ $0 }) { await Task.yield() }
        }])
        for index in 0..<10 { runner.submit(Self.change("o\(index)")) }
        let task = Task { await runner.run() }
        while entered.withLock({ $0 }) < 10 { await Task.yield() }
        task.cancel()
        release.withLock { $0 = true }
        await task.value
        // Attempts cut short get no verdict: saved as not done (started, neither success nor failure,
        // retries as they were), so a second runner on the same store runs them all again.
        #expect(store.snapshot.values.allSatisfy { $0.lastHandled == nil })
        #expect(store.snapshot.count == 10)
        #expect(store.snapshot.values.allSatisfy { progress in
            progress.handling != nil && progress.handlers["h"].map { $0.started != nil && !$0.isFinished && $0.retries == 0 } == true
        })
        let calls = LockedValue(0)
        let second = self.runner([Handler(id: "h") { _ in calls.withLock { $0 += 1 } }])
        for index in 0..<10 { second.submit(Self.change("o\(index)")) }
        second.finish()
        await second.run()
        #expect(calls.withLock { $0 } == 10)
    }

    @Test func theLastOfManyChangesToAnObjectIsHandled() async {
        let runner = runner([Handler(id: "h") { _ in }])
        let task = Task { await runner.run() }
        // Two submitters, each with its own objects, racing the workers that handle the objects and let
        // them go: no change may find its object taken and be left there.
        await withTaskGroup(of: Void.self) { group in
            for submitter in 0..<2 {
                group.addTask {
                    for spec in 0..<3000 { runner.submit(Self.change("o\(submitter)-\(spec % 4)", spec: spec)) }
                }
            }
        }
        runner.finish()
        await task.value
        for submitter in 0..<2 {
            for object in 0..<4 {
                let name = "o\(submitter)-\(object)"
                #expect(store.snapshot[HandlerObject(namespace: "default", name: name)]?.lastHandled == Self.change(name, spec: 2996 + object).digest)
            }
        }
    }

    @Test func anObjectForgottenBeforeAWorkerTookItIsNotRun() async {
        let calls = LockedValue<[String]>([])
        let runner = runner([Handler(id: "h") { context in calls.withLock { $0.append(context.object.name) } }])
        runner.submit(Self.change("gone"))
        runner.submit(Self.change("kept"))
        await runner.forget(HandlerObject(namespace: "default", name: "gone"))
        runner.finish()
        await runner.run()
        #expect(calls.withLock { $0 } == ["kept"])
        #expect(store.snapshot.keys.map(\.name) == ["kept"])
    }
}
