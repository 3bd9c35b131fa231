import Testing
import TriageOutbox
import TriageOutboxPostgres

@Suite("PostgresOutboxURL")
struct PostgresOutboxURLTests {
    @Test("parses user, password, host, port, database and sslmode; the description hides the password")
    func parses() throws {
        let url = try PostgresOutboxURL("postgresql://robot:p%40ss@db.example:6543/outbox?sslmode=disable")
        #expect(url.username == "robot")
        #expect(url.endpoint == "db.example:6543")
        #expect(url.database == "outbox")
        #expect(url.sslMode == "disable")
        #expect(url.description == "postgres://robot:<redacted>@db.example:6543/outbox")
        let defaults = try PostgresOutboxURL("postgres://robot@127.0.0.1")
        #expect(defaults.endpoint == "127.0.0.1:5432")
        #expect(defaults.database == "robot")
        #expect(defaults.sslMode == "prefer")
    }

    @Test("rejects what is not a PostgreSQL URL with outbox.invalidConfiguration, never echoing the password",
          arguments: ["mysql://u:s3cret-pw@h/db", "postgres://u:s3cret-pw@/db", "postgres://:s3cret-pw@h/db",
                      "postgres://u:s3cret-pw@h/db?sslmode=verify-full", "not a url"])
    func rejects(_ text: String) {
        let error = #expect(throws: OutboxError.self) { try PostgresOutboxURL(text) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("s3cret-pw") == false, "\(error?.message ?? "")")
    }
}

extension PostgresOutboxURLTests {
    @Test("reflection does not show the password either")
    func reflectionHidesPassword() throws {
        let url = try PostgresOutboxURL("postgres://robot:s3cret-pw@127.0.0.1/outbox")
        #expect(!String(reflecting: url).contains("s3cret-pw"))
        var dumped = ""
        dump(url, to: &dumped)
        #expect(!dumped.contains("s3cret-pw"), "\(dumped)")
    }
}
