import ArgumentParser
import Foundation
import Logging
import TriageOutbox
import TriageOutboxSQLite
import TriageHTTP

/// `triage outbox enqueue`: one message, or a file of NDJSON lines in one transaction.
struct OutboxEnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Store messages; exits 0 only once every one is committed and synced to disk.",
        discussion: """
            Prints one message id per line. With --from-file, each line is {"key": "...", "idempotency_key": "...", \
            "body": "..."} (key and idempotency_key optional) and all lines are enqueued in one transaction: all or none.
            """
    )

    @OptionGroup var store: OutboxStoreOptions

    @Option(help: "The URL each message is POSTed to (http or https).")
    var to: String

    @Option(help: "The ordering key.")
    var key = "default"

    @Option(help: "The idempotency key (default: a new unique id).")
    var idempotencyKey: String?

    @Option(name: [.customShort("d"), .customLong("data")], help: "The body.")
    var data: String?

    @Option(help: "Read NDJSON messages from this file instead of -d.")
    var fromFile: String?

    func validate() throws {
        guard Self.isHTTPURL(to) else { throw ValidationError("--to must be an http or https URL with a host (and a port up to 65535): \(to)") }
        guard (data == nil) != (fromFile == nil) else { throw ValidationError("give exactly one of -d DATA and --from-file FILE") }
        guard !key.isEmpty else { throw ValidationError("--key must not be empty") }
        guard Self.isHeaderValue(key) else { throw ValidationError("--key must not hold control characters (it is sent as a header)") }
        if let idempotencyKey, idempotencyKey.isEmpty || !Self.isHeaderValue(idempotencyKey) {
            throw ValidationError("--idempotency-key must be non-empty, without control characters (it is sent as a header)")
        }
    }

    /// Whether `text` can be an HTTP header's value: no control character but tab (a CR or LF would
    /// end the header; such a message was stored, then dead-lettered as `request.invalid` at delivery).
    static func isHeaderValue(_ text: String) -> Bool {
        !text.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }

    func run() async throws {
        let messages: [OutboxMessage]
        if let fromFile {
            messages = try OutboxNDJSON.messages(fromFile: fromFile, destination: to)
        } else {
            messages = [OutboxMessage(key: key, destination: to, text: data ?? "", idempotencyKey: idempotencyKey)]
        }
        let logger = Logger.outboxCommand(verbose: false)
        let ids: [String] = try await store.withStore(logger: logger) { opened in
            do {
                return try await Outbox(store: opened, logger: logger).enqueue(messages)
            } catch {
                throw OutboxCommandFailure("nothing enqueued: \(error)")
            }
        }
        print(ids.joined(separator: "\n"))
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              URLPort.outOfRange(in: text) == nil else { return false }
        return scheme == "http" || scheme == "https"
    }
}

/// Reads `--from-file` lines.
enum OutboxNDJSON {
    /// One message per non-empty line (`\n` or `\r\n` ends a line); a malformed line is a usage error
    /// naming its number, and nothing is enqueued.
    ///
    /// The file is read 1 MiB at a time and each line parsed as it completes, so a file is never held
    /// whole. Reading stops, with a ``OutboxCommandFailure`` (exit 1, as for a batch over the store's
    /// bound), at a line longer than `maximumBytes` (a body can be no longer than its line) or once the
    /// payloads read exceed it: such a batch could never be enqueued, and a 300 MB line used to take about
    /// 1.9 GB before it was refused.
    /// - Parameter maximumBytes: the store's bound on undelivered payload bytes (default
    ///   ``OutboxConfiguration/maximumPendingBytes``'s, 256 MiB).
    static func messages(fromFile path: String, destination: String,
                         maximumBytes: Int = OutboxConfiguration().maximumPendingBytes) throws -> [OutboxMessage] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
        defer { try? handle.close() }
        var messages: [OutboxMessage] = []
        var payloadBytes = 0
        var number = 0
        var line: [UInt8] = []
        func take() throws {
            number += 1
            defer { line.removeAll(keepingCapacity: true) }
            guard let text = String(validating: line, as: UTF8.self) else { throw ValidationError("line \(number): not UTF-8 text") }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return }
            let message = try message(from: trimmed, line: number, destination: destination)
            payloadBytes += message.payload.count
            guard payloadBytes <= maximumBytes else {
                throw OutboxCommandFailure("nothing enqueued: the messages up to line \(number) hold more than \(maximumBytes) payload bytes, the store's bound")
            }
            messages.append(message)
        }
        while let chunk = try Self.read(handle), !chunk.isEmpty {
            var start = chunk.startIndex
            while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: chunk[start..<newline])
                try checkLength(of: line, number: number + 1, maximumBytes: maximumBytes)
                try take()
                start = newline + 1
            }
            line.append(contentsOf: chunk[start...])
            try checkLength(of: line, number: number + 1, maximumBytes: maximumBytes)
        }
        if !line.isEmpty { try take() }
        guard !messages.isEmpty else { throw ValidationError("\(path) holds no messages") }
        return messages
    }

    private static func read(_ handle: FileHandle) throws -> Data? {
        do { return try handle.read(upToCount: 1 << 20) } catch { throw ValidationError("cannot read the file: \(error.localizedDescription)") }
    }

    private static func checkLength(of line: [UInt8], number: Int, maximumBytes: Int) throws {
        guard line.count > maximumBytes else { return }
        throw OutboxCommandFailure("nothing enqueued: line \(number) is longer than \(maximumBytes) bytes, the store's bound on undelivered payload bytes")
    }

    static func message(from line: String, line number: Int, destination: String) throws -> OutboxMessage {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ValidationError("line \(number): not a JSON object")
        }
        guard let body = object["body"] as? String else { throw ValidationError("line \(number): \"body\" must be a string") }
        let key = object["key"] ?? "default"
        guard let key = key as? String, !key.isEmpty, OutboxEnqueueCommand.isHeaderValue(key) else {
            throw ValidationError("line \(number): \"key\" must be a non-empty string without control characters")
        }
        var idempotencyKey: String?
        if let value = object["idempotency_key"], !(value is NSNull) {
            guard let value = value as? String, !value.isEmpty, OutboxEnqueueCommand.isHeaderValue(value) else {
                throw ValidationError("line \(number): \"idempotency_key\" must be a non-empty string without control characters")
            }
            idempotencyKey = value
        }
        return OutboxMessage(key: key, destination: destination, text: body, idempotencyKey: idempotencyKey)
    }
}
