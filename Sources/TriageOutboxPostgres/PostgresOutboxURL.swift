import Foundation
import PostgresNIO
import TriageOutbox

/// A PostgreSQL connection URL, `postgres://user:password@host:port/database?sslmode=disable`, parsed
/// into a client configuration. Neither its ``description``, its ``debugDescription`` nor its mirror
/// (`dump`) shows the password.
///
/// - `postgres` or `postgresql` scheme; the user is required; the port defaults to 5432; the database
///   defaults to the user's name (as libpq does); user and password may be percent-encoded.
/// - `sslmode`: `disable`, `prefer` (the default: TLS when the server offers it) or `require`.
public struct PostgresOutboxURL: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String
    public var sslMode: String

    /// - Throws: ``OutboxError`` (`outbox.invalidConfiguration`) naming what is wrong, without the password.
    public init(_ text: String) throws(OutboxError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw OutboxError(.invalidConfiguration, "not a postgres:// URL: \(Self.redact(text))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw OutboxError(.invalidConfiguration, "the PostgreSQL URL has no host: \(Self.redact(text))")
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw OutboxError(.invalidConfiguration, "the PostgreSQL URL has no user: \(Self.redact(text))")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw OutboxError(.invalidConfiguration, "the PostgreSQL URL's port is out of range: \(Self.redact(text))")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw OutboxError(.invalidConfiguration, "sslmode must be disable, prefer or require (\(sslMode))")
        }
        self.host = host
        self.port = port
        self.username = user
        self.password = components.password?.removingPercentEncoding
        self.database = path.isEmpty ? user : path
        self.sslMode = sslMode
    }

    /// `host:port`, for errors about reaching the server.
    public var endpoint: String { "\(host):\(port)" }

    /// The URL with the password shown as `<redacted>`.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":<redacted>")@\(endpoint)/\(database)"
    }

    /// The same as ``description``: without it, `String(reflecting:)` and `dump` would list the password.
    public var debugDescription: String { description }

    /// Every field but the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["host": host, "port": port, "username": username, "database": database, "sslMode": sslMode])
    }

    /// The client configuration, TLS per ``sslMode``.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch sslMode {
        case "disable": .disable
        case "require": .require(.makeClientConfiguration())
        default: .prefer(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password,
                                            database: database, tls: tls)
    }

    /// The configuration of a single connection (not a pool's), TLS per ``sslMode``.
    ///
    /// - Parameter connectTimeout: default 10 s.
    /// - Throws: when the TLS context cannot be built.
    public func connectionConfiguration(connectTimeout: Duration = .seconds(10)) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch sslMode {
        case "disable": .disable
        case "require": .require(try .init(configuration: .makeClientConfiguration()))
        default: .prefer(try .init(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                             database: database, tls: tls)
        configuration.options.connectTimeout = .milliseconds(connectTimeout.outboxMilliseconds)
        return configuration
    }

    /// `text` with any password between `://user:` and `@` replaced, for errors about a malformed URL.
    static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].lastIndex(of: "@"),
              let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":") else { return text }
        return text[..<text.index(after: colon)] + "<redacted>" + text[at...]
    }

    /// `text` with this URL's password, raw and percent-encoded, replaced: for errors a driver returns.
    func scrub(_ text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        var scrubbed = text.replacingOccurrences(of: password, with: "<redacted>")
        if let encoded = password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) {
            scrubbed = scrubbed.replacingOccurrences(of: encoded, with: "<redacted>")
        }
        return scrubbed
    }
}
