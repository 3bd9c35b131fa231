import Testing
@testable import TriageKubernetes

/// The cache's table, with real hashes and with every hash colliding (`hashMask` 0).
@Suite struct WatchCacheTests {
    static func object(_ namespace: String, _ name: String, _ version: String) -> KubernetesObject {
        KubernetesObject(namespace: namespace, name: name, resourceVersion: version, json: Array("{}".utf8))
    }

    static func state(_ cache: WatchCache) -> [String] { cache.snapshot().map { "\($0.key)@\($0.resourceVersion)" } }

    @Test(arguments: [UInt64.max, 0])
    func eventsAddModifyAndDelete(hashMask: UInt64) {
        let cache = WatchCache(hashMask: hashMask)
        #expect(cache.apply(.added(Self.object("a", "x", "1")))?.type == .added)
        #expect(cache.apply(.added(Self.object("b", "x", "2")))?.type == .added)
        #expect(cache.apply(.added(Self.object("", "y", "3")))?.type == .added)
        #expect(cache.apply(.added(Self.object("a", "x", "4")))?.type == .modified)
        #expect(cache.apply(.modified(Self.object("c", "z", "5")))?.type == .added)
        #expect(Self.state(cache) == ["y@3", "a/x@4", "b/x@2", "c/z@5"])
        #expect(cache.object(forKey: "b/x")?.resourceVersion == "2")
        #expect(cache.object(forKey: "y")?.resourceVersion == "3")
        // The first holder of a shared hash goes; the others stay reachable and updatable.
        #expect(cache.apply(.deleted(Self.object("a", "x", "6")))?.type == .deleted)
        #expect(cache.apply(.deleted(Self.object("a", "x", "6"))) == nil)
        #expect(cache.apply(.modified(Self.object("b", "x", "7")))?.type == .modified)
        #expect(cache.apply(.added(Self.object("a", "x", "8")))?.type == .added)
        #expect(Self.state(cache) == ["y@3", "a/x@8", "b/x@7", "c/z@5"])
        #expect(cache.count == 4)
    }

    @Test(arguments: [UInt64.max, 0])
    func replaceReportsTheDifferences(hashMask: UInt64) {
        let cache = WatchCache(hashMask: hashMask)
        for object in [Self.object("a", "x", "1"), Self.object("b", "x", "2"), Self.object("c", "x", "3")] { _ = cache.apply(.added(object)) }
        let changes = cache.replace(with: [Self.object("a", "x", "1"), Self.object("b", "x", "9"), Self.object("d", "x", "4")])
        #expect(changes.map { "\($0.type.rawValue) \($0.object.key)" } == ["MODIFIED b/x", "ADDED d/x", "DELETED c/x"])
        #expect(Self.state(cache) == ["a/x@1", "b/x@9", "d/x@4"])
    }
}
