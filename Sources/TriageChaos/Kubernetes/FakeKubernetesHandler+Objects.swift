import Foundation
import NIOCore
import NIOHTTP1

extension FakeKubernetesHandler {
    /// A list, paginated with `limit` and `continue` over a snapshot taken at the first page, so every
    /// page of one list shows the collection as of one revision.
    func list(route: FakeKubernetesRoute, query: [String: String], context: ChannelHandlerContext) {
        let store = server.store
        let limit = query["limit"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        var objects: [FakeKubernetesStore.StoredObject]
        var revision: Int
        var offset = 0
        if let token = query["continue"], !token.isEmpty {
            let parts = token.split(separator: ":").compactMap { Int($0) }
            // A compaction drops the snapshots: the token has expired, as on a real server.
            guard parts.count == 2, let kept = store.keptSnapshot(String(parts[0])) else {
                respond(410, Self.status(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."), context: context)
                return
            }
            revision = parts[0]
            offset = parts[1]
            objects = kept
        } else {
            if let asked = query["resourceVersion"].flatMap(Int.init), asked != 0 {
                if asked > store.revision {
                    respond(504, Self.status(504, "Timeout", "Too large resource version: \(asked), current: \(store.revision)",
                                             causes: [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]]), context: context)
                    return
                }
                if asked < store.compactedRevision {
                    respond(410, Self.status(410, "Expired", "too old resource version: \(asked) (\(store.compactedRevision))"), context: context)
                    return
                }
            }
            (revision, objects) = store.snapshot(of: route.collection)
            if limit != nil { store.keepSnapshot(objects, token: String(revision)) }
        }
        let end = limit.map { min(objects.count, offset + $0) } ?? objects.count
        var metadata: [String: Any] = ["resourceVersion": String(revision)]
        if end < objects.count {
            metadata["continue"] = "\(revision):\(end)"
            metadata["remainingItemCount"] = objects.count - end
        }
        let items = objects[min(offset, objects.count)..<end].map(\.json)
        respond(200, ["kind": "List", "apiVersion": "v1", "metadata": metadata, "items": items] as [String: Any], context: context)
    }

    func get(_ name: String, route: FakeKubernetesRoute, context: ChannelHandlerContext) {
        guard let stored = server.store.object(name, in: route.collection) else {
            respond(404, Self.notFound(name), context: context)
            return
        }
        respond(200, stored.json, context: context)
    }

    func create(route: FakeKubernetesRoute, context: ChannelHandlerContext) {
        guard var object = parsedBody(context: context) else { return }
        var name = (object["metadata"] as? [String: Any])?["name"] as? String ?? ""
        if name.isEmpty, var metadata = object["metadata"] as? [String: any Sendable], let prefix = metadata["generateName"] as? String, !prefix.isEmpty {
            // As the API server does: the prefix and five random characters.
            name = prefix + String((0..<5).map { _ in "bcdfghjklmnpqrstvwxz2456789".randomElement()! })
            metadata["name"] = name
            object["metadata"] = metadata
        }
        guard !name.isEmpty else {
            respond(422, Self.status(422, "Invalid", "metadata.name: Required value: name or generateName is required"), context: context)
            return
        }
        guard server.store.object(name, in: route.collection) == nil else {
            respond(409, Self.status(409, "AlreadyExists", "\"\(name)\" already exists"), context: context)
            return
        }
        let stored = server.store.put(object, in: route.collection, namespace: route.namespace, type: "ADDED")
        respond(201, stored.json, context: context)
    }

    func replace(_ name: String, route: FakeKubernetesRoute, context: ChannelHandlerContext) {
        guard let object = parsedBody(context: context) else { return }
        guard let current = server.store.object(name, in: route.collection) else {
            respond(404, Self.notFound(name), context: context)
            return
        }
        if let asked = (object["metadata"] as? [String: Any])?["resourceVersion"] as? String, !asked.isEmpty,
           asked != String(current.resourceVersion) {
            respond(409, Self.status(409, "Conflict", "Operation cannot be fulfilled on \"\(name)\": the object has been modified; please apply your changes to the latest version and try again"), context: context)
            return
        }
        var replaced = object
        var metadata = object["metadata"] as? [String: any Sendable] ?? [:]
        metadata["name"] = name
        replaced["metadata"] = metadata
        if route.subresource == "status" {
            replaced = current.json
            replaced["status"] = object["status"]
        }
        write(replaced, over: current, name: name, route: route, context: context)
    }

    /// Merge and strategic merge patches are applied as RFC 7386 merge patches; JSON patches are refused (415).
    func patch(_ name: String, route: FakeKubernetesRoute, contentType: String, context: ChannelHandlerContext) {
        guard contentType.hasPrefix("application/merge-patch+json") || contentType.hasPrefix("application/strategic-merge-patch+json") else {
            respond(415, Self.status(415, "UnsupportedMediaType", "the fake server applies merge patches only"), context: context)
            return
        }
        guard let patch = parsedBody(context: context) else { return }
        guard let current = server.store.object(name, in: route.collection) else {
            respond(404, Self.notFound(name), context: context)
            return
        }
        // As the API server does: a resourceVersion in the patch is a precondition.
        if let asked = (patch["metadata"] as? [String: Any])?["resourceVersion"] as? String, asked != String(current.resourceVersion) {
            respond(409, Self.status(409, "Conflict", "Operation cannot be fulfilled on \"\(name)\": the object has been modified; please apply your changes to the latest version and try again"), context: context)
            return
        }
        write(Self.merge(current.json, patch), over: current, name: name, route: route, context: context)
    }

    /// Stores an update, with the API server's finalizer rules: no new finalizer on an object being
    /// deleted (422), and an object being deleted whose last finalizer is removed is deleted.
    private func write(_ object: [String: any Sendable], over current: StoredObject, name: String, route: FakeKubernetesRoute, context: ChannelHandlerContext) {
        let before = Self.finalizers(current.json)
        let after = Self.finalizers(object)
        if Self.isDeleting(current.json), !Set(after).isSubset(of: before) {
            respond(422, Self.status(422, "Invalid", "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted"), context: context)
            return
        }
        let stored = server.store.put(object, in: route.collection, namespace: route.namespace, type: "MODIFIED")
        if Self.isDeleting(stored.json), after.isEmpty {
            _ = server.store.remove(name, from: route.collection)
        }
        respond(200, stored.json, context: context)
    }

    /// An object with finalizers is only marked (`deletionTimestamp`, a MODIFIED event) until the last
    /// one is removed; one without is removed at once (a DELETED event).
    func delete(_ name: String, route: FakeKubernetesRoute, context: ChannelHandlerContext) {
        guard let current = server.store.object(name, in: route.collection) else {
            respond(404, Self.notFound(name), context: context)
            return
        }
        if !Self.finalizers(current.json).isEmpty {
            guard !Self.isDeleting(current.json) else { return respond(200, current.json, context: context) }
            var marked = current.json
            var metadata = marked["metadata"] as? [String: any Sendable] ?? [:]
            metadata["deletionTimestamp"] = Date().formatted(.iso8601)
            marked["metadata"] = metadata
            let stored = server.store.put(marked, in: route.collection, namespace: route.namespace, type: "MODIFIED")
            return respond(200, stored.json, context: context)
        }
        guard let stored = server.store.remove(name, from: route.collection) else {
            respond(404, Self.notFound(name), context: context)
            return
        }
        respond(200, stored.json, context: context)
    }

    typealias StoredObject = FakeKubernetesStore.StoredObject

    static func finalizers(_ object: [String: any Sendable]) -> [String] {
        (object["metadata"] as? [String: Any])?["finalizers"] as? [String] ?? []
    }

    static func isDeleting(_ object: [String: any Sendable]) -> Bool {
        (object["metadata"] as? [String: Any])?["deletionTimestamp"] is String
    }

    private func parsedBody(context: ChannelHandlerContext) -> [String: any Sendable]? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: any Sendable] else {
            respond(400, Self.status(400, "BadRequest", "the body is not a JSON object"), context: context)
            return nil
        }
        return object
    }

    static func notFound(_ name: String) -> [String: Any] {
        status(404, "NotFound", "\"\(name)\" not found")
    }

    /// RFC 7386: objects merge member by member, `null` removes, anything else replaces.
    static func merge(_ target: [String: any Sendable], _ patch: [String: any Sendable]) -> [String: any Sendable] {
        var result = target
        for (key, value) in patch {
            if value is NSNull {
                result[key] = nil
            } else if let inner = value as? [String: any Sendable] {
                // RFC 7386: a patch object merges into the target's member, or into an empty object when
                // the target has none (so its nulls are dropped, not stored).
                result[key] = merge(result[key] as? [String: any Sendable] ?? [:], inner)
            } else {
                result[key] = value
            }
        }
        return result
    }
}
