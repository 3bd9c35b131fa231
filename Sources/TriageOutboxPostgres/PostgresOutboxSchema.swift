import PostgresNIO

/// The tables, created idempotently under an advisory lock (concurrent `CREATE TABLE IF NOT EXISTS`
/// can still collide in PostgreSQL's catalogue): messages, their attempts, one counter row per key that
/// hands out sequence numbers, named counters, and the schema version.
///
/// `state`: 0 pending, 1 in flight (claimed until `lease_until`), 2 delivered, 3 dead. Times are
/// milliseconds since 1970 (``OutboxTimestamp``), written by the processes, as in the SQLite store.
enum PostgresOutboxSchema {
    /// The version this build writes and reads; a database at a higher one is refused.
    static let version = 1
    /// The `LISTEN`/`NOTIFY` channel enqueues and releases notify.
    static let channel = "triage_outbox"

    static let statements: [PostgresQuery] = [
        "SELECT pg_advisory_xact_lock(hashtext('triage.outbox.schema'))",
        "CREATE TABLE IF NOT EXISTS outbox_schema (version BIGINT PRIMARY KEY)",
        "CREATE TABLE IF NOT EXISTS outbox_keys (key TEXT PRIMARY KEY, last_seq BIGINT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS outbox_messages (
            id TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            seq BIGINT NOT NULL,
            destination TEXT NOT NULL,
            payload BYTEA NOT NULL,
            payload_size BIGINT NOT NULL,
            idempotency_key TEXT NOT NULL,
            header_names TEXT[] NOT NULL,
            header_values TEXT[] NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT,
            state SMALLINT NOT NULL DEFAULT 0,
            claim TEXT,
            lease_until BIGINT,
            next_attempt_at BIGINT NOT NULL,
            named_delay BOOLEAN NOT NULL DEFAULT FALSE,
            attempts BIGINT NOT NULL DEFAULT 0,
            consecutive_failures BIGINT NOT NULL DEFAULT 0,
            dead_kind TEXT,
            dead_status BIGINT,
            dead_reason TEXT,
            finished_at BIGINT,
            UNIQUE (key, seq)
        )
        """,
        "CREATE INDEX IF NOT EXISTS outbox_active ON outbox_messages (key, seq) WHERE state < 2",
        "CREATE INDEX IF NOT EXISTS outbox_state ON outbox_messages (state)",
        "CREATE INDEX IF NOT EXISTS outbox_finished ON outbox_messages (finished_at) WHERE state = 2",
        """
        CREATE TABLE IF NOT EXISTS outbox_attempts (
            message_id TEXT NOT NULL,
            number BIGINT NOT NULL,
            at BIGINT NOT NULL,
            kind TEXT,
            delivery TEXT NOT NULL,
            status BIGINT,
            delay_ms BIGINT,
            PRIMARY KEY (message_id, number)
        )
        """,
        "CREATE TABLE IF NOT EXISTS outbox_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO outbox_counters (name, value) VALUES ('delivered_pruned', 0) ON CONFLICT DO NOTHING",
        "INSERT INTO outbox_schema (version) VALUES (\(version)) ON CONFLICT DO NOTHING",
    ]

    /// The heads of the keys: each key's lowest `seq` not yet delivered or dead, one index probe per key
    /// that ever had a message (through `outbox_active`), not a scan of the messages.
    static let heads = """
        SELECT h.* FROM outbox_keys k CROSS JOIN LATERAL (
            SELECT a.id, a.seq, a.state, a.next_attempt_at, a.lease_until FROM outbox_messages a
            WHERE a.key = k.key AND a.state < 2 ORDER BY a.seq LIMIT 1) h
        """

    /// Claims up to `limit` due heads for `owner`.
    ///
    /// `FOR UPDATE SKIP LOCKED` alone is not enough: a claimer that skips a head another transaction has
    /// locked would take the key's next message, and two workers would hold one key. So only heads are
    /// candidates, and a locked head is skipped, never replaced by its successor. A head whose state
    /// changes while this statement waits is re-checked on its newest version (the state and lease
    /// conditions are on the locked row itself), and a successor only becomes a head once its
    /// predecessor's delivery or dead letter is committed.
    static func claim(limit: Int, owner: String, leaseUntil: Int64, now: Int64) -> PostgresQuery {
        """
        UPDATE outbox_messages SET state = 1, claim = \(owner), lease_until = \(leaseUntil)
        WHERE id IN (
            SELECT m.id FROM outbox_messages m
            WHERE m.id IN (SELECT id FROM (\(unescaped: heads)) heads)
              AND ((m.state = 0 AND m.next_attempt_at <= \(now)) OR (m.state = 1 AND m.lease_until <= \(now)))
            ORDER BY m.next_attempt_at, m.seq
            LIMIT \(limit)
            FOR UPDATE OF m SKIP LOCKED)
        RETURNING id, key, seq, destination, payload, idempotency_key, header_names, header_values, created_at,
                  expires_at, attempts, consecutive_failures
        """
    }
}
