import Triage
import Foundation
import Logging
import Testing
import TriageHandlers
import TriageHandlersSQLite
import TriageTestKit

@Suite struct SQLiteProgressStoreTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("triage-progress-\(UUID().uuidString).sqlite").path
    }

    @Test func itRunsDurableAndReadsBackWhatItSaved() async throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try await SQLiteProgressStore.open(path: path, logger: Self.logger)
        let settings = try await store.settings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2)   // FULL
        #expect(settings.busyTimeout == 5000)
        let change = HandlerRunnerTests.change(1)
        #expect(try await store.load(change) == ObjectProgress())
        let started = Date(timeIntervalSince1970: 1_800_000_000)
        let saved = ObjectProgress(handling: change.digest, handlers: ["h": HandlerProgress(started: started, retries: 3, message: "later")])
        try await store.save(saved, for: change.object)
        await store.close()
        let reopened = try await SQLiteProgressStore.open(path: path, logger: Self.logger)
        #expect(try await reopened.load(change) == saved)
        await reopened.close()
    }

    @Test func aRunnerOnTheSameFileResumesTheChange() async throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock()
        let epoch = HandlerRunnerTests.epoch
        let contexts = LockedValue<[HandlerContext]>([])
        let handler = Handler(id: "h") { context in
            contexts.withLock { $0.append(context) }
            if context.retry == 0 { throw TemporaryError("later", delay: .seconds(30)) }
        }
        func runner(_ store: SQLiteProgressStore) -> HandlerRunner<ManualClock> {
            HandlerRunner(handlers: [handler], store: store, clock: clock,
                          wallTime: { epoch.addingTimeInterval(clock.now.offset.triageSeconds) }, logger: Self.logger)
        }
        // The first runner fails once and is stopped during the 30 s delay.
        let first = try await SQLiteProgressStore.open(path: path, logger: Self.logger)
        let one = runner(first)
        let running = Task { await one.run() }
        one.submit(HandlerRunnerTests.change(1))
        await clock.waitForSleepers(1)
        running.cancel()
        await running.value
        await first.close()
        // The second, on the same file, resumes: retry 1, the same start.
        let second = try await SQLiteProgressStore.open(path: path, logger: Self.logger)
        let two = runner(second)
        let task = Task { await two.run() }
        two.submit(HandlerRunnerTests.change(1, cause: .update))
        let digest = HandlerRunnerTests.change(1).digest
        let store = second
        let done = LockedValue(false)
        let watcher = Task {
            while !(try await store.load(HandlerRunnerTests.change(1)).lastHandled == digest) { try await Task.sleep(for: .milliseconds(5)) }
            done.withLock { $0 = true }
        }
        await clock.runUntilIdle { done.withLock { $0 } }
        two.finish()
        task.cancel()
        await task.value
        watcher.cancel()
        await second.close()
        let seen = contexts.withLock { $0 }
        #expect(seen.map(\.retry) == [0, 1])
        #expect(seen.map(\.cause) == [.create, .resume])
        #expect(seen.last?.started == seen.first?.started)
    }
}
