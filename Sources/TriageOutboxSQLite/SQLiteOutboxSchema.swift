/// The tables: messages (one row each, kept after delivery without its payload until pruned), their
/// headers, their attempts, one counter row per key that hands out sequence numbers, and named counters
/// (`delivered_pruned`: deliveries whose rows were pruned, still counted in the stats).
///
/// `state`: 0 pending, 1 in flight (claimed until `lease_until`), 2 delivered, 3 dead.
enum SQLiteOutboxSchema {
    static let statements = [
        """
        CREATE TABLE IF NOT EXISTS outbox_keys (
            key TEXT PRIMARY KEY,
            last_seq INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS outbox_messages (
            id TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            seq INTEGER NOT NULL,
            destination TEXT NOT NULL,
            payload BLOB NOT NULL,
            payload_size INTEGER NOT NULL,
            idempotency_key TEXT NOT NULL,
            header_count INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            state INTEGER NOT NULL DEFAULT 0,
            claim TEXT,
            lease_until INTEGER,
            next_attempt_at INTEGER NOT NULL,
            named_delay INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            dead_kind TEXT,
            dead_status INTEGER,
            dead_reason TEXT,
            finished_at INTEGER,
            UNIQUE (key, seq)
        )
        """,
        "CREATE INDEX IF NOT EXISTS outbox_active ON outbox_messages (key, seq) WHERE state < 2",
        "CREATE INDEX IF NOT EXISTS outbox_state ON outbox_messages (state)",
        """
        CREATE TABLE IF NOT EXISTS outbox_headers (
            message_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (message_id, position)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS outbox_attempts (
            message_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            at INTEGER NOT NULL,
            kind TEXT,
            delivery TEXT NOT NULL,
            status INTEGER,
            delay_ms INTEGER,
            PRIMARY KEY (message_id, number)
        )
        """,
        "CREATE TABLE IF NOT EXISTS outbox_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO outbox_counters (name, value) VALUES ('delivered_pruned', 0)",
    ]

    /// The heads of the keys: each key's lowest `seq` not yet delivered or dead, found per key through
    /// the partial index `outbox_active` (a step per key that ever had a message, not a scan of the
    /// messages). `CROSS JOIN` keeps the keys the outer loop: with a plain join and a filter on `state`,
    /// SQLite scanned every pending message and ran the subquery for each (2.6 ms a claim with 2,000
    /// pending over 64 keys, against 0.36 ms).
    static let heads = """
        SELECT m.* FROM outbox_keys k
        CROSS JOIN outbox_messages m ON m.key = k.key
         AND m.seq = (SELECT MIN(a.seq) FROM outbox_messages a WHERE a.key = k.key AND a.state < 2)
        """
}
