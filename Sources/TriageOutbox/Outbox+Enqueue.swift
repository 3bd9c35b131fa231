import Triage

extension Outbox {
    /// Stores one message; returns its id once it is committed and synced.
    @discardableResult
    public func enqueue(_ message: OutboxMessage) async throws -> String {
        try await enqueue([message])[0]
    }

    /// Stores `messages` in one transaction (all or none); returns their ids once they are committed and
    /// synced.
    ///
    /// - Throws: ``OutboxError`` (`outbox.invalidMessage`) for an empty key or destination, nothing stored;
    ///   a `Failure` of kind `outbox.full` when the store stayed over its bounds for
    ///   ``OutboxConfiguration/enqueueTimeout``; the store's error when it cannot commit.
    @discardableResult
    public func enqueue(_ messages: [OutboxMessage]) async throws -> [String] {
        guard !messages.isEmpty else { return [] }
        for (index, message) in messages.enumerated() {
            guard !message.key.isEmpty else { throw OutboxError(.invalidMessage, "message \(index + 1): the key is empty") }
            guard !message.destination.isEmpty else {
                throw OutboxError(.invalidMessage, "message \(index + 1): the destination is empty")
            }
        }
        let bytes = messages.reduce(0) { $0 + $1.payload.count }
        try await waitForRoom(messages: messages.count, bytes: bytes)
        let ids = try await store.enqueue(messages, now: clock.now())
        usageCache.withLock {
            $0.usage.messages += messages.count
            $0.usage.bytes += bytes
        }
        wakeup.signal()
        return ids
    }

    /// Waits until the store has room for `messages` more messages of `bytes` payload bytes.
    ///
    /// The store's usage is read at most every 100 ms, by one caller at a time (the others go by the
    /// last reading meanwhile: a reading counts every undelivered message, and 64 producers reading
    /// at once stalled the store), and counted up by this process's own enqueues in between, so
    /// concurrent producers may overshoot the bound by what they enqueue at the same moment.
    func waitForRoom(messages: Int, bytes: Int) async throws {
        let limits = (messages: configuration.maximumPendingMessages, bytes: configuration.maximumPendingBytes)
        if messages > limits.messages || bytes > limits.bytes {
            throw Failure(.outboxFull, detail: "a batch of \(messages) messages (\(bytes) bytes) exceeds the bound of \(limits.messages) messages, \(limits.bytes) bytes")
        }
        let deadline = clock.now() + configuration.enqueueTimeout.outboxMilliseconds
        let fits = { (usage: OutboxUsage) in usage.messages + messages <= limits.messages && usage.bytes + bytes <= limits.bytes }
        while true {
            let now = clock.now()
            let (cached, read) = usageCache.withLock { cache -> (OutboxUsage, Bool) in
                let stale = cache.readAt.map { now - $0 >= 100 } ?? true
                let read = !cache.reading && (stale || !fits(cache.usage))
                if read { cache.reading = true }
                return (cache.usage, read)
            }
            var usage = cached
            if read {
                do {
                    usage = try await store.usage()
                } catch {
                    usageCache.withLock { $0.reading = false }
                    throw error
                }
                usageCache.withLock { $0 = UsageCache(usage: usage, readAt: now) }
            }
            if fits(usage) { return }
            if now >= deadline {
                throw Failure(.outboxFull, detail: "\(usage.messages) messages, \(usage.bytes) bytes undelivered for \(configuration.enqueueTimeout)")
            }
            try await clock.sleep(.milliseconds(min(20, max(1, deadline - now))))
        }
    }
}
