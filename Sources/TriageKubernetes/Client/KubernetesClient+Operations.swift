import Foundation
import Logging
import NIOCore
import Triage

/// The content types of a patch.
public enum KubernetesPatchType: String, Sendable, Hashable, CaseIterable {
    /// RFC 7386 JSON merge patch.
    case merge = "application/merge-patch+json"
    /// RFC 6902 JSON patch (a list of operations).
    case json = "application/json-patch+json"
    /// Kubernetes' strategic merge patch (built-in types only).
    case strategicMerge = "application/strategic-merge-patch+json"
    /// Server-side apply.
    case apply = "application/apply-patch+yaml"
}

extension KubernetesClient {
    /// GETs one object.
    public func get(_ path: String, logger: Logger? = nil) async throws -> KubernetesObject {
        let response = try await send(idempotent: true, logger: logger) { request(.GET, path) }
        return try KubernetesObject(json: Array(buffer: response.body))
    }

    /// GETs one object as `T`.
    public func get<T: Decodable>(_ path: String, as type: T.Type, decoder: JSONDecoder = JSONDecoder(), logger: Logger? = nil) async throws -> T {
        try await get(path, logger: logger).decode(T.self, decoder: decoder)
    }

    /// Creates an object (POST to the collection `path`). Not resent after a failure that may have
    /// reached the server.
    public func create(_ path: String, json: [UInt8], logger: Logger? = nil) async throws -> KubernetesObject {
        let response = try await send(idempotent: false, body: json, logger: logger) { request(.POST, path, contentType: "application/json") }
        return try KubernetesObject(json: Array(buffer: response.body))
    }

    /// Creates `object`, encoded as JSON, and decodes the server's answer as `T`.
    public func create<T: Codable>(_ path: String, _ object: T, encoder: JSONEncoder = JSONEncoder(), logger: Logger? = nil) async throws -> T {
        try await create(path, json: [UInt8](encoder.encode(object)), logger: logger).decode(T.self)
    }

    /// Replaces the object at `path` (PUT). Resent after a possibly processed failure only when the
    /// body carries `metadata.resourceVersion` (the server then rejects a second write with 409).
    public func replace(_ path: String, json: [UInt8], logger: Logger? = nil) async throws -> KubernetesObject {
        let carriesVersion = (try? KubernetesObject(json: json))?.resourceVersion.isEmpty == false
        let response = try await send(idempotent: carriesVersion, body: json, logger: logger) { request(.PUT, path, contentType: "application/json") }
        return try KubernetesObject(json: Array(buffer: response.body))
    }

    /// Replaces the object at `path` with `object` and decodes the answer as `T`.
    public func replace<T: Codable>(_ path: String, _ object: T, encoder: JSONEncoder = JSONEncoder(), logger: Logger? = nil) async throws -> T {
        try await replace(path, json: [UInt8](encoder.encode(object)), logger: logger).decode(T.self)
    }

    /// Patches the object at `path` (merge, JSON or strategic merge patch). Not resent after a failure
    /// that may have reached the server.
    public func patch(_ path: String, _ type: KubernetesPatchType = .merge, json: [UInt8], logger: Logger? = nil) async throws -> KubernetesObject {
        let response = try await send(idempotent: false, body: json, logger: logger) { request(.PATCH, path, contentType: type.rawValue) }
        return try KubernetesObject(json: Array(buffer: response.body))
    }

    /// Patches the status subresource of the object at `path` (`path + "/status"`).
    public func patchStatus(_ path: String, _ type: KubernetesPatchType = .merge, json: [UInt8], logger: Logger? = nil) async throws -> KubernetesObject {
        try await patch(path + "/status", type, json: json, logger: logger)
    }

    /// Deletes the object at `path`; returns what the server answered (the object, or a `Status`).
    @discardableResult
    public func delete(_ path: String, logger: Logger? = nil) async throws -> [UInt8] {
        let response = try await send(idempotent: true, logger: logger) { request(.DELETE, path) }
        return Array(buffer: response.body)
    }

    /// One page of the collection at `path`.
    ///
    /// - Parameters:
    ///   - limit: the page size (`nil`: the server's choice, all at once).
    ///   - continueToken: the previous page's `continue`.
    ///   - resourceVersion: `resourceVersion` for the list (`nil`: the latest, from etcd; `"0"`: any).
    public func listPage(_ path: String, limit: Int? = nil, continueToken: String? = nil, resourceVersion: String? = nil,
                         labelSelector: String? = nil, fieldSelector: String? = nil, logger: Logger? = nil) async throws -> KubernetesObjectList {
        var query: [(String, String)] = []
        if let limit { query.append(("limit", String(limit))) }
        if let continueToken { query.append(("continue", continueToken)) }
        if let resourceVersion, continueToken == nil { query.append(("resourceVersion", resourceVersion)) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let response = try await send(idempotent: true, logger: logger) { request(.GET, path, query: query) }
        return try KubernetesObjectList(json: Array(buffer: response.body))
    }

    /// The whole collection at `path`, following `continue` tokens (pages of `limit`, default 500).
    ///
    /// When a continue token has expired (410 Expired: the snapshot was compacted between pages), the
    /// list starts again once from the beginning without a resourceVersion, as client-go's pager does;
    /// a second expiry is thrown. A continue token the server sends twice in one list is
    /// `response.malformed`: its pages loop, and following them would never end.
    public func list(_ path: String, limit: Int? = 500, resourceVersion: String? = nil,
                     labelSelector: String? = nil, fieldSelector: String? = nil, logger: Logger? = nil) async throws -> KubernetesObjectList {
        var restarted = false
        var version = resourceVersion
        while true {
            var items: [KubernetesObject] = []
            var token: String?
            var first: KubernetesObjectList?
            var tokens: Set<String> = []
            do {
                repeat {
                    let page = try await listPage(path, limit: limit, continueToken: token, resourceVersion: version,
                                                  labelSelector: labelSelector, fieldSelector: fieldSelector, logger: logger)
                    if first == nil { first = page }
                    items.append(contentsOf: page.items)
                    token = page.continueToken
                    if let token, !tokens.insert(token).inserted {
                        throw Triage.Failure(.responseMalformed, delivery: .processed,
                                             detail: "the server sent a continue token it had already sent in this list: its pages loop")
                    }
                } while token != nil
                return KubernetesObjectList(resourceVersion: first?.resourceVersion ?? "", items: items)
            } catch let failure as Triage.Failure where token != nil && !restarted && failure.kind == .watchExpired {
                restarted = true
                version = nil
            }
        }
    }

    /// The collection at `path` decoded as `T`s.
    public func list<T: Decodable>(_ path: String, as type: T.Type, limit: Int? = 500, decoder: JSONDecoder = JSONDecoder(),
                                   logger: Logger? = nil) async throws -> (resourceVersion: String, items: [T]) {
        let list = try await list(path, limit: limit, logger: logger)
        return (list.resourceVersion, try list.items.map { try $0.decode(T.self, decoder: decoder) })
    }
}
