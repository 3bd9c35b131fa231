import NIOCore
import NIOHTTP1
import NIOPosix

/// One open watch: writes its collection's events as NDJSON chunks, bookmarks when asked for, and
/// ends at `timeoutSeconds` (or as a fault says). Lives on its channel's event loop.
final class WatchStream: @unchecked Sendable {
    // Touched only on `loop` (the listener hops there first).
    private let context: ChannelHandlerContext
    private let loop: any EventLoop
    private let handler: FakeKubernetesHandler
    private var lastSent: Int
    private var subscription: Int?
    private var timers: [Scheduled<Void>] = []
    private var bookmarkTask: RepeatedTask?
    private var done = false
    private let store: FakeKubernetesStore

    init(context: ChannelHandlerContext, handler: FakeKubernetesHandler, store: FakeKubernetesStore, from revision: Int) {
        self.context = context
        self.loop = context.eventLoop
        self.handler = handler
        self.store = store
        self.lastSent = revision
    }

    func start(collection: String, after revision: Int, synthetic: [[UInt8]], timeout: TimeAmount,
               bookmarks: TimeAmount?, ending: FakeKubernetesFault?) -> Bool {
        let loop = self.loop
        // The store holds the stream until `stop()` unsubscribes it (at its end or the connection's).
        guard let (events, id) = store.subscribe(collection, after: revision, { [self] event in
            loop.execute { self.deliver(event) }
        }) else { return false }
        subscription = id
        handler.writeStreamHead(context: context)
        for line in synthetic { write(line) }
        for event in events { deliver(.event(event)) }
        context.flush()
        timers.append(loop.scheduleTask(in: timeout) { [weak self] in self?.end(.clean) })
        switch ending {
        case .cutWithoutTerminalChunk(let seconds)?:
            timers.append(loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [weak self] in self?.end(.cut) })
        case .resetMidStream(let seconds)?:
            timers.append(loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [weak self] in self?.end(.reset) })
        default: break
        }
        if let bookmarks {
            bookmarkTask = loop.scheduleRepeatedTask(initialDelay: bookmarks, delay: bookmarks) { [weak self] _ in self?.bookmark() }
        }
        return true
    }

    enum Ending { case clean, cut, reset, expired }

    private func deliver(_ signal: FakeKubernetesStore.Signal) {
        guard !done else { return }
        let event: FakeKubernetesStore.LoggedEvent
        switch signal {
        case .event(let logged): event = logged
        case .expire: return end(.expired)
        case .end: return end(.clean)
        }
        guard event.resourceVersion > lastSent else { return }
        lastSent = event.resourceVersion
        write(event.line)
        context.flush()
    }

    private func bookmark() {
        guard !done else { return }
        write(Array("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"\(lastSent)\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}\n".utf8))
        context.flush()
    }

    private func write(_ line: [UInt8]) {
        context.write(handler.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: line)))), promise: nil)
    }

    func end(_ ending: Ending) {
        guard !done else { return }
        stop()
        switch ending {
        case .clean:
            context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
        case .expired:
            let status = FakeKubernetesHandler.status(410, "Expired", "The resourceVersion for the provided watch is too old.")
            write(Array("{\"type\":\"ERROR\",\"object\":".utf8) + FakeKubernetesStore.json(status) + Array("}\n".utf8))
            context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
        case .cut:
            context.flush()
            context.close(promise: nil)
        case .reset:
            let channel = context.channel
            if let provider = channel as? any SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
        handler.watch = nil
    }

    /// Stops timers and the subscription (the connection closed or the stream ended).
    func stop() {
        done = true
        if let subscription { store.unsubscribe(subscription) }
        subscription = nil
        for timer in timers { timer.cancel() }
        timers.removeAll()
        bookmarkTask?.cancel()
        bookmarkTask = nil
    }
}

extension FakeKubernetesHandler {
    func startWatch(route: FakeKubernetesRoute, query: [String: String], context: ChannelHandlerContext, ending: FakeKubernetesFault? = nil) {
        let store = server.store
        let asked = query["resourceVersion"].flatMap(Int.init)
        var synthetic: [[UInt8]] = []
        let after: Int
        if let asked, asked > 0 {
            after = asked
        } else {
            // No resourceVersion (or "0"): the current objects as ADDED events, then what follows.
            let (revision, objects) = store.snapshot(of: route.collection)
            synthetic = objects.map { FakeKubernetesStore.eventLine("ADDED", $0.json) }
            after = revision
        }
        let timeout = TimeAmount.seconds(Int64(query["timeoutSeconds"].flatMap(Int.init) ?? 1800))
        let bookmarks = query["allowWatchBookmarks"] == "true" ? server.bookmarkInterval : nil
        let stream = WatchStream(context: context, handler: self, store: store, from: after)
        if stream.start(collection: route.collection, after: after, synthetic: synthetic, timeout: timeout, bookmarks: bookmarks, ending: ending) {
            watch = stream
        } else {
            // As the API server: 200, then one ERROR event, then the end.
            writeStreamHead(context: context)
            let status = Self.status(410, "Expired", "too old resource version: \(after) (\(store.compactedRevision))")
            let line = Array("{\"type\":\"ERROR\",\"object\":".utf8) + FakeKubernetesStore.json(status) + Array("}\n".utf8)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: line)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// `count` ADDED events of objects named `flood-N`, written in batches as the connection drains.
    func flood(count: Int, padding: Int, context: ChannelHandlerContext) {
        writeStreamHead(context: context)
        let filler = String(repeating: "x", count: padding)
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        @Sendable func batch(from start: Int) {
            let (handler, context) = loopBound.value
            guard channel.isActive else { return }
            var buffer = channel.allocator.buffer(capacity: 64 * (padding + 200))
            let end = min(count, start + 64)
            for index in start..<end {
                buffer.writeString("{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"flood-\(index)\",\"namespace\":\"bench\",\"resourceVersion\":\"\(index + 1)\",\"uid\":\"u\(index)\"},\"data\":{\"value\":\"\(filler)\"}}}\n")
            }
            let future = context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(buffer))))
            if end >= count {
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                future.whenSuccess { batch(from: end) }
            }
        }
        batch(from: 0)
    }
}
