import ArgumentParser
import Foundation
import Triage
import TriageS3

/// How `triage s3` prints outcomes: one JSON object a line with the contract's key order, or a line for people.
enum S3Output {
    /// `{"k": v, ...}` in the order given; `nil` values are left out.
    /// The credentials' secrets are masked (``redacted(_:)``).
    static func object(_ fields: [(String, S3JSONValue?)]) -> String {
        redacted("{" + fields.compactMap { name, value in value.map { "\(JSONString.quoted(name)): \($0.json)" } }.joined(separator: ", ") + "}")
    }

    /// The failure's fields as the contract names them; a field the failure lacks is `null`, and
    /// every field is `null` for a success, so each line has the same keys.
    static func failureFields(_ failure: Failure?) -> [(String, S3JSONValue?)] {
        [("kind", failure.map { .string($0.kind.id) } ?? .null), ("code", failure?.s3.code.map(S3JSONValue.string) ?? .null),
         ("status", failure?.status.map(S3JSONValue.int) ?? .null), ("request_id", failure?.s3.requestID.map(S3JSONValue.string) ?? .null),
         ("host_id", failure?.s3.hostID.map(S3JSONValue.string) ?? .null)]
    }

    /// `failed: http.notFound (HTTP 404 Not Found) code=NoSuchKey status=404 request_id=... host_id=...`,
    /// the credentials' secrets masked (``redacted(_:)``): the server's message may echo them.
    static func failureLine(_ failure: Failure) -> String {
        var line = "failed: \(failure.kind.id) (\(failure.kind.summary))"
        if let code = failure.s3.code { line += " code=\(code)" }
        if let status = failure.status { line += " status=\(status)" }
        if let id = failure.s3.requestID { line += " request_id=\(id)" }
        if let host = failure.s3.hostID { line += " host_id=\(host)" }
        if let message = failure.s3.message { line += " message=\(JSONString.quoted(message))" }
        return redacted(line)
    }

    /// Prints `failure` (JSON or a line) and exits 1.
    static func fail(_ failure: Failure, json: Bool) throws -> Never {
        if json {
            print(object([("outcome", .string("failed"))] + failureFields(failure)))
        } else {
            FileHandle.standardError.write(Data((failureLine(failure) + "\n").utf8))
        }
        throw ExitCode.failure
    }

    /// A bulk report: a line per item and the summary; exit 1 when any item failed.
    static func report(_ report: S3BulkReport, json: Bool, fileKey: String) throws {
        for item in report.items {
            var fields: [(String, S3JSONValue?)] = []
            if fileKey == "file" { fields.append(("file", .string(item.name))) }
            fields += [("key", .string(item.key)), ("outcome", .string(item.succeeded ? "ok" : "failed")), ("attempts", .int(item.attempts))]
            fields += failureFields(item.failure).filter { $0.0 != "host_id" }
            if json {
                print(object(fields))
            } else if let failure = item.failure {
                print(redacted("\(item.key): ") + "\(failureLine(failure)) attempts=\(item.attempts)")
            } else {
                print("\(item.key): ok attempts=\(item.attempts)")
            }
        }
        if json {
            print("{\"summary\": \(object([("ok", .int(report.succeeded)), ("failed", .int(report.failed)), ("retried", .int(report.retried))]))}")
        } else {
            print("\(report.succeeded) ok, \(report.failed) failed, \(report.retried) retried")
        }
        if report.failed > 0 { throw ExitCode.failure }
    }
}

/// A JSON scalar for ``S3Output``.
enum S3JSONValue {
    case string(String)
    case int(Int)
    case raw(String)
    case null

    var json: String {
        switch self {
        case .null: "null"
        case .string(let text): JSONString.quoted(text)
        case .int(let number): String(number)
        case .raw(let text): text
        }
    }
}
