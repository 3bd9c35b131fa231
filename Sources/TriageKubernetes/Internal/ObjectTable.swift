/// The watch cache's storage: objects by namespace and name.
///
/// Objects are kept in a dictionary keyed by a 64-bit FNV-1a hash of namespace and name, and the rare
/// object whose hash another object already holds in a second dictionary keyed by namespace and name.
/// The reason is speed: a Swift dictionary with string keys rehashes them slowly when it grows (about
/// 1 µs per object while 100,000 objects arrive, against 0.3 µs with integer keys), which was most of
/// `triage bench watch`'s cache update. Names chosen to collide only move objects to the second
/// dictionary, whose keys Swift hashes with its seeded hasher as usual.
struct ObjectTable {
    private var byHash: [UInt64: KubernetesObject]
    private var collided: [WatchCache.Key: KubernetesObject] = [:]
    /// `UInt64.max` (default); tests pass 0 to make every hash collide.
    private let hashMask: UInt64

    init(minimumCapacity: Int = 0, hashMask: UInt64 = .max) {
        byHash = [UInt64: KubernetesObject](minimumCapacity: minimumCapacity)
        self.hashMask = hashMask
    }

    var count: Int { byHash.count + collided.count }

    /// Every object, in no particular order.
    var objects: [KubernetesObject] { Array(byHash.values) + collided.values }

    subscript(key: WatchCache.Key) -> KubernetesObject? {
        if let object = byHash[hash(key)], Self.object(object, has: key) { return object }
        return collided.isEmpty ? nil : collided[key]
    }

    /// Stores `object` at its key; returns the object it replaced.
    @discardableResult
    mutating func update(_ object: KubernetesObject) -> KubernetesObject? {
        let key = object.cacheKey
        let hash = hash(key)
        if let held = byHash[hash] {
            if Self.object(held, has: key) { return byHash.updateValue(object, forKey: hash) }
            return collided.updateValue(object, forKey: key)
        }
        // The slot may have been emptied after this key was stored as a collision: update it there.
        if !collided.isEmpty, collided[key] != nil { return collided.updateValue(object, forKey: key) }
        byHash[hash] = object
        return nil
    }

    /// Removes the object at `key`; returns it.
    mutating func remove(_ key: WatchCache.Key) -> KubernetesObject? {
        let hash = hash(key)
        if let held = byHash[hash], Self.object(held, has: key) { return byHash.removeValue(forKey: hash) }
        return collided.isEmpty ? nil : collided.removeValue(forKey: key)
    }

    private static func object(_ object: KubernetesObject, has key: WatchCache.Key) -> Bool {
        object.name == key.name && object.namespace == key.namespace
    }

    /// FNV-1a over the namespace, a `/` and the name.
    private func hash(_ key: WatchCache.Key) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for byte in key.namespace.utf8 { add(byte) }
        add(UInt8(ascii: "/"))
        for byte in key.name.utf8 { add(byte) }
        return hash & hashMask
    }
}
