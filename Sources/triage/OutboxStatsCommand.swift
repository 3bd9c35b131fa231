import ArgumentParser
import Foundation
import Triage
import TriageOutbox

/// `triage outbox stats --json`: counts by state.
struct OutboxStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Count messages by state.")

    @OptionGroup var store: OutboxStoreOptions

    @Flag(help: "Print {\"pending\": N, \"inflight\": N, \"delivered\": N, \"dead\": N}.")
    var json = false

    func run() async throws {
        let stats = try await store.withStore(logger: .outboxCommand(verbose: false)) { opened in
            do {
                return try await opened.stats(now: OutboxClock.system.now())
            } catch {
                throw OutboxCommandFailure("cannot read \(store.name): \(error)")
            }
        }
        if json {
            print("{\"pending\": \(stats.pending), \"inflight\": \(stats.inflight), \"delivered\": \(stats.delivered), \"dead\": \(stats.dead)}")
        } else {
            print("pending \(stats.pending), in flight \(stats.inflight), delivered \(stats.delivered), dead \(stats.dead)")
        }
    }
}

/// `triage outbox dead --json`: the dead letters with their failures.
struct OutboxDeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dead", abstract: "List the dead letters and why they died.")

    @OptionGroup var store: OutboxStoreOptions

    @Flag(help: "Print a JSON array of {id, key, seq, idempotency_key, attempts, kind, status, reason}.")
    var json = false

    func run() async throws {
        let letters = try await store.withStore(logger: .outboxCommand(verbose: false)) { opened in
            do {
                return try await opened.deadLetters()
            } catch {
                throw OutboxCommandFailure("cannot read \(store.name): \(error)")
            }
        }
        if json {
            print("[" + letters.map(Self.json).joined(separator: ", ") + "]")
        } else {
            for letter in letters {
                print("\(letter.key) #\(letter.seq) \(letter.id): \(letter.kind) after \(letter.attempts) attempts: \(letter.reason)")
            }
        }
    }

    static func json(_ letter: OutboxDeadLetter) -> String {
        "{\"id\": \(JSONString.quoted(letter.id)), \"key\": \(JSONString.quoted(letter.key)), \"seq\": \(letter.seq), "
            + "\"idempotency_key\": \(JSONString.quoted(letter.idempotencyKey)), \"attempts\": \(letter.attempts), "
            + "\"kind\": \(JSONString.quoted(letter.kind)), \"status\": \(letter.status.map(String.init) ?? "null"), "
            + "\"reason\": \(JSONString.quoted(letter.reason))}"
    }
}
