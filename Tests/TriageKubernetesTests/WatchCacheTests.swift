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

/// The table against a dictionary, through random inserts, updates and removals: with real hashes,
/// with hashes of a few bits (long probe runs that wrap around the slots, where removal must move
/// entries back) and with every hash the same.
@Suite struct ObjectTableModelTests {
    @Test(arguments: [UInt64.max, 0xF000_0000_0000_001F, 0x7, 0])
    func agreesWithADictionary(hashMask: UInt64) {
        var table = ObjectTable(hashMask: hashMask)
        var model: [String: String] = [:]
        var random = SystemRandomNumberGenerator()
        let keys = hashMask == 0 ? 60 : 600
        for step in 0..<(keys * 20) {
            let name = "o\(Int.random(in: 0..<keys, using: &random))"
            let namespace = Bool.random(using: &random) ? "ns" : ""
            let key = namespace + "/" + name
            if Int.random(in: 0..<3, using: &random) == 0 {
                let removed = table.remove(WatchCache.Key(namespace: namespace, name: name))
                #expect(removed?.resourceVersion == model.removeValue(forKey: key), "step \(step)")
            } else {
                let object = KubernetesObject(namespace: namespace, name: name, resourceVersion: "\(step)", json: [])
                // Touching the slots first, as the supervisor does per chunk, changes nothing.
                if step % 5 == 0 { table.touchHomeSlots(of: [.added(object), .bookmark(resourceVersion: "1")]) }
                #expect(table.update(object)?.resourceVersion == model.updateValue("\(step)", forKey: key), "step \(step)")
            }
            if step % 97 == 0 {
                #expect(table.count == model.count)
                for (key, version) in model {
                    let slash = key.firstIndex(of: "/")!
                    let found = table[WatchCache.Key(namespace: String(key[..<slash]), name: String(key[key.index(after: slash)...]))]
                    #expect(found?.resourceVersion == version, "step \(step), \(key)")
                }
            }
        }
        #expect(Set(table.objects.map { $0.namespace + "/" + $0.name }) == Set(model.keys))
    }
}
