import Foundation
import Triage

/// What `triage probe` was asked to do, validated.
public struct ProbeOptions: Sendable {
    /// The URL as given (it may be malformed: that is a classified failure, not a usage error).
    public var url: String
    /// The HTTP method (default GET).
    public var method: String = "GET"
    /// Request headers, in order.
    public var headers: [(name: String, value: String)] = []
    /// Names of further headers whose values are secret (`--secret-header`), beside
    /// ``Redactor/secretHeaders``: never printed, never sent to another origin on a redirect.
    public var secretHeaders: [String] = []
    /// The request body.
    public var body: [UInt8]?
    /// Attempts in all, the first included (`--max-attempts`; 1 means no retry). Default: the library's
    /// default policy's, `RetryPolicy().maximumAttempts` (3), as probe-json.md specifies.
    public var maximumAttempts: Int = RetryPolicy().maximumAttempts
    @available(*, deprecated, renamed: "maximumAttempts")
    public var maxAttempts: Int {
        get { maximumAttempts }
        set { maximumAttempts = newValue }
    }
    /// Overall deadline across all attempts (default 30 s).
    public var timeout: Duration = .seconds(30)
    /// Per-attempt timeout, which is also the read timeout (default 10 s). It bounds the body too, checked
    /// between chunks, except a `--watch` stream's.
    public var attemptTimeout: Duration = .seconds(10)
    /// How long to wait for the next bytes of a response (AsyncHTTPClient's read timeout); defaults to
    /// the per-attempt timeout.
    public var readTimeout: Duration?
    /// TCP + TLS connect timeout (default 5 s).
    public var connectTimeout: Duration = .seconds(5)
    /// PEM text of extra trusted roots (`--cacert`).
    public var extraRootsPEM: String?
    /// Sent as `Idempotency-Key`; makes a non-idempotent method replayable after `maybeProcessed`.
    public var idempotencyKey: String?
    /// Expected duration of a long-running response (`--watch`), or `nil`.
    public var watch: Duration?
    /// The largest error body read for classification (default 64 KiB).
    public var maximumErrorBody: Int = 65_536

    public init(url: String) {
        self.url = url
    }

    /// The problem with a value given on the command line: usage, exit status 2.
    public struct UsageError: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Parses `Name: value`.
    public static func header(_ text: String) throws -> (name: String, value: String) {
        guard let colon = text.firstIndex(of: ":") else { throw UsageError("header must be 'Name: value': \(Redactor.headerForDisplay(text))") }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_!#$%&'*+.^`|~".contains($0)) }) else {
            throw UsageError("invalid header name in '\(Redactor.headerForDisplay(text))'")
        }
        guard !value.contains("\r"), !value.contains("\n") else { throw UsageError("header value of \(name) contains a line break") }
        return (name, value)
    }

    /// Reads `-d` data: literal text, or `@FILE` for a file's bytes.
    public static func data(_ text: String) throws -> [UInt8] {
        guard text.hasPrefix("@") else { return Array(text.utf8) }
        let path = String(text.dropFirst())
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read data file \(path)") }
        return Array(data)
    }

    /// Reads `--cacert`: the file must exist and hold at least one PEM certificate.
    public static func caCertificates(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read --cacert file \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN CERTIFICATE-----") else { throw UsageError("--cacert file \(path) holds no PEM certificate") }
        return text
    }

    /// Seconds from the command line as a positive duration.
    public static func seconds(_ value: Double, flag: String) throws -> Duration {
        guard value.isFinite, value > 0, value <= 86_400 else { throw UsageError("\(flag) must be a number of seconds above 0 and at most 86400") }
        return .milliseconds(Int64((value * 1000).rounded(.up)))
    }
}
