import ArgumentParser
import Foundation
import TriageKubernetes

extension BenchCommand {
    /// `triage bench watch`: the watch supervisor's throughput beside raw AsyncHTTPClient reading the
    /// same NDJSON lines, its memory per cached object, and its recovery time after a compaction.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "WatchSupervisor vs raw AsyncHTTPClient on one NDJSON watch stream; memory per cached object; recovery after compaction."
        )

        @Flag(help: "Print JSON.")
        var json = false

        @Option(help: "Events per throughput block.")
        var events = 100_000

        @Option(help: "Bytes of data in each object (its JSON is about 190 bytes more).")
        var padding = 600

        @Option(help: "Pairs of blocks (raw, supervisor), order swapped every pair; the median per-pair ratio is reported.")
        var pairs = 5

        @Option(help: "Objects cached for the memory measurement.")
        var objects = 100_000

        @Option(help: "Objects in the collection for the recovery measurement.")
        var recoveryObjects = 1_000

        func validate() throws {
            guard events >= 1_000 else { throw ValidationError("--events must be at least 1000") }
            guard (0...100_000).contains(padding) else { throw ValidationError("--padding must be 0...100000") }
            guard (1...100).contains(pairs) else { throw ValidationError("--pairs must be 1...100") }
            guard objects >= 1_000 else { throw ValidationError("--objects must be at least 1000") }
            guard recoveryObjects >= 1 else { throw ValidationError("--recovery-objects must be at least 1") }
        }

        func run() async throws {
            let result = try await WatchBenchmark(events: events, padding: padding, pairs: pairs, objects: objects,
                                                  recoveryObjects: recoveryObjects).run()
            print(json ? result.json : result.text)
        }
    }
}
