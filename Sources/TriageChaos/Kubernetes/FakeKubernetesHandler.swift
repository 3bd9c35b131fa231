import Foundation
import NIOCore
import NIOHTTP1

/// Serves one connection of the fake API server: answers a request (whole, from NIO's
/// `NIOHTTPServerRequestAggregator`) from the store, or streams a watch.
final class FakeKubernetesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    /// The largest request body the server reads (64 MiB); a larger one is answered 413 by the aggregator.
    static let maximumBody = 64 << 20

    let server: FakeKubernetesServer
    /// The body of the request being answered.
    var body: [UInt8] = []
    /// The watch this connection is streaming, when it is.
    var watch: WatchStream?

    init(server: FakeKubernetesServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        body = request.body.map { Array($0.readableBytesView) } ?? []
        server.countRequest(request.head.uri)
        handle(request.head, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch?.stop()
        watch = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let (path, query) = Self.split(head.uri)
        guard server.accepts(authorization: head.headers.first(name: "Authorization")) else {
            respond(401, Self.status(401, "Unauthorized", "Unauthorized"), context: context)
            return
        }
        guard let route = FakeKubernetesRoute(path: path) else {
            respond(404, Self.status(404, "NotFound", "the server could not find the requested resource"), context: context)
            return
        }
        if answerWriteFault(method: head.method, path: path, context: context) { return }
        let isWatch = query["watch"] == "true" || query["watch"] == "1"
        if isWatch, let fault = server.takeFault(collection: route.collection) {
            if startFault(fault, route: route, query: query, context: context) { return }
        } else if !isWatch, route.name == nil, head.method == .GET, let fault = server.takeListFault(continuing: query["continue"] != nil) {
            if startFault(fault, route: route, query: query, context: context) { return }
        }
        switch (head.method, route.name) {
        case (.GET, nil) where isWatch: startWatch(route: route, query: query, context: context)
        case (.GET, nil): list(route: route, query: query, context: context)
        case (.GET, let name?): get(name, route: route, context: context)
        case (.POST, nil): create(route: route, context: context)
        case (.PUT, let name?): replace(name, route: route, context: context)
        case (.PATCH, let name?): patch(name, route: route, contentType: head.headers.first(name: "Content-Type") ?? "", context: context)
        case (.DELETE, let name?): delete(name, route: route, context: context)
        default: respond(405, Self.status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"), context: context)
        }
    }

    /// Acts out a fault at the start of a request; `false` when the fault only changes the stream and
    /// the request should be served.
    private func startFault(_ fault: FakeKubernetesFault, route: FakeKubernetesRoute, query: [String: String], context: ChannelHandlerContext) -> Bool {
        switch fault {
        case .throttle(let seconds):
            let status = Self.status(429, "TooManyRequests", "too many requests, please try again later", retryAfter: seconds)
            respond(429, status, headers: [("Retry-After", String(seconds))], context: context)
        case .unauthorized: respond(401, Self.status(401, "Unauthorized", "Unauthorized"), context: context)
        case .forbidden: respond(403, Self.status(403, "Forbidden", "configmaps is forbidden: User cannot watch resource"), context: context)
        case .instantClose:
            writeStreamHead(context: context)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .stall:
            writeStreamHead(context: context)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: .minutes(10)) { channel.close(promise: nil) }
        case .errorEvent(let code):
            let reason = code == 504 ? "Timeout" : "InternalError"
            streamStatusAndEnd(Self.status(code, reason, "an error on the server (\"etcdserver: request timed out\") has prevented the request from succeeding"), context: context)
        case .tooLargeResourceVersion:
            streamStatusAndEnd(Self.status(504, "Timeout", "Too large resource version: 99999, current: \(server.store.revision)",
                                           causes: [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]]), context: context)
        case .flood(let count, let padding):
            flood(count: count, padding: padding, context: context)
        case .expiredContinue:
            respond(410, Self.status(410, "Expired", "The provided continue parameter is too old to display a consistent list result."), context: context)
        case .loopingContinue:
            let metadata: [String: Any] = ["resourceVersion": String(server.store.revision), "continue": query["continue"] ?? ""]
            respond(200, ["kind": "List", "apiVersion": "v1", "metadata": metadata, "items": [Any]()] as [String: Any], context: context)
        case .replay:
            writeStreamHead(context: context)
            if let newest = server.store.snapshot(of: route.collection).objects.max(by: { $0.resourceVersion < $1.resourceVersion }) {
                var object = newest.json
                var metadata = object["metadata"] as? [String: any Sendable] ?? [:]
                metadata["resourceVersion"] = query["resourceVersion"] ?? String(newest.resourceVersion)
                object["metadata"] = metadata
                let line = FakeKubernetesStore.eventLine("MODIFIED", object)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: line)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .cutWithoutTerminalChunk, .resetMidStream:
            startWatch(route: route, query: query, context: context, ending: fault)
        }
        return true
    }

    func writeStreamHead(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Transfer-Encoding", value: "chunked")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
    }

    private func streamStatusAndEnd(_ status: [String: Any], context: ChannelHandlerContext) {
        writeStreamHead(context: context)
        var line = Array("{\"type\":\"ERROR\",\"object\":".utf8) + FakeKubernetesStore.json(status) + Array("}\n".utf8)
        line.reserveCapacity(line.count)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: line)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func respond(_ code: Int, _ json: Any, headers extra: [(String, String)] = [], context: ChannelHandlerContext) {
        let bytes = FakeKubernetesStore.json(json)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bytes.count))
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    static func status(_ code: Int, _ reason: String, _ message: String, retryAfter: Int? = nil,
                       causes: [[String: String]]? = nil) -> [String: Any] {
        var status: [String: Any] = ["kind": "Status", "apiVersion": "v1", "metadata": [String: Any](), "status": "Failure",
                                     "message": message, "reason": reason, "code": code]
        var details: [String: Any] = [:]
        if let retryAfter { details["retryAfterSeconds"] = retryAfter }
        if let causes { details["causes"] = causes }
        if !details.isEmpty { status["details"] = details }
        return status
    }

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let question = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
            query[parts[0]] = value
        }
        return (String(uri[..<question]), query)
    }
}

/// An API path: the collection (everything but the name) and the object's name and subresource.
struct FakeKubernetesRoute {
    var collection: String
    var namespace: String?
    var name: String?
    var subresource: String?

    init?(path: String) {
        let segments = path.split(separator: "/").map(String.init)
        let prefixLength: Int
        if segments.first == "api", segments.count >= 2 { prefixLength = 2 }
        else if segments.first == "apis", segments.count >= 3 { prefixLength = 3 }
        else { return nil }
        var rest = Array(segments[prefixLength...])
        var prefix = Array(segments[..<prefixLength])
        if rest.first == "namespaces", rest.count >= 3 {
            namespace = rest[1]
            prefix += rest[0...2]
            rest = Array(rest[3...])
        } else {
            guard let resource = rest.first else { return nil }
            prefix.append(resource)
            rest.removeFirst()
        }
        collection = "/" + prefix.joined(separator: "/")
        name = rest.first
        subresource = rest.count > 1 ? rest[1] : nil
    }
}
