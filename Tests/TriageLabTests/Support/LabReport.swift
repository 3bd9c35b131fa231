import Foundation
import Triage

/// One observed failure: a mode driven through a stack, and what Triage made of it.
struct LabRow: Sendable {
    var mode: String
    var stack: String
    var kind: String
    var decision: String
    var delivery: String
    var milliseconds: Double
    var raw: String
}

/// Collects the lab's rows and, when `TRIAGE_LAB_REPORT` names a file, appends them to it as
/// tab-separated lines (scripts/failure-lab.sh renders docs/failure-lab.md from them).
enum LabReport {
    private static let lock = NSLock()

    /// Classifies `error` with `chain`, records the row and returns the failure (`nil` on success).
    /// `diagnosed`, when given, is the exact TLS diagnosis that replaces the classifier's kind.
    @discardableResult
    static func record(mode: String, stack: String, error: (any Error)?, chain: ClassifierChain,
                       since start: ContinuousClock.Instant, diagnosed: Failure? = nil) -> Failure? {
        let elapsed = (ContinuousClock.now - start).triageSeconds * 1000
        guard let error else {
            write(LabRow(mode: mode, stack: stack, kind: "ok", decision: "-", delivery: "-", milliseconds: elapsed, raw: "no error"))
            return nil
        }
        var failure = chain.classify(error)
        if let diagnosed {
            failure.kind = diagnosed.kind
            failure.decision = diagnosed.decision
        }
        let raw = String(String(describing: error).prefix(140))
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "/")
        write(LabRow(mode: mode, stack: stack, kind: failure.kind.id, decision: failure.decision.id,
                     delivery: failure.delivery.id, milliseconds: elapsed, raw: raw))
        return failure
    }

    static func skip(mode: String, stack: String, reason: String) {
        print("failure lab: skipped \(mode) via \(stack): \(reason)")
        write(LabRow(mode: mode, stack: stack, kind: "skipped", decision: "-", delivery: "-", milliseconds: 0, raw: reason))
    }

    private static func write(_ row: LabRow) {
        guard let path = ProcessInfo.processInfo.environment["TRIAGE_LAB_REPORT"] else { return }
        let line = [row.mode, row.stack, row.kind, row.decision, row.delivery,
                    String(format: "%.0f", row.milliseconds), row.raw].joined(separator: "\t") + "\n"
        lock.lock()
        defer { lock.unlock() }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            handle.closeFile()
        }
    }
}
