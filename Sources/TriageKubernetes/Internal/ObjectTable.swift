/// The watch cache's storage: objects by namespace and name, in an open-addressing hash table.
///
/// The objects lie in one dense array; the table's slots hold an object's position and the top half
/// of its key's 64-bit FNV-1a hash, probed linearly. The reason is speed (`triage bench watch`): a
/// Swift dictionary keyed by strings rehashes them with its seeded hasher whenever it grows (about
/// 1 µs per object while 100,000 arrive), and one keyed by the FNV hash still moves whole objects
/// (56 bytes) on every growth and needed a second dictionary for keys whose hashes collide. Here a
/// growth rewrites 8-byte slots from the stored hashes, a new key costs one probe of the slots
/// without touching any object, and keys whose hashes collide are simply probed past (every match of
/// the hash's top half is confirmed by comparing namespace and name).
struct ObjectTable {
    /// `objects[i]`'s hash, kept so that growing and removing never hash a key again.
    private var hashes: [UInt64] = []
    private var dense: [KubernetesObject] = []
    /// `0`: empty; otherwise the top 32 bits of the hash above the position in `dense` plus one.
    private var slots: [UInt64]
    /// `UInt64.max` (default); tests pass 0 to make every hash collide.
    private let hashMask: UInt64
    /// What ``touchHomeSlots(of:)`` read, kept only so that its loads happen; and its slots (storage reused).
    private var touched: UInt64 = 0
    private var homes: [Int] = []

    init(minimumCapacity: Int = 0, hashMask: UInt64 = .max) {
        self.hashMask = hashMask
        slots = Array(repeating: 0, count: Self.slotCount(for: minimumCapacity))
        hashes.reserveCapacity(minimumCapacity)
        dense.reserveCapacity(minimumCapacity)
    }

    var count: Int { dense.count }

    /// Every object, in no particular order.
    var objects: [KubernetesObject] { dense }

    subscript(key: WatchCache.Key) -> KubernetesObject? {
        find(key, hash: hash(key)).position.map { dense[$0] }
    }

    /// Stores `object` at its key; returns the object it replaced.
    @discardableResult
    mutating func update(_ object: KubernetesObject) -> KubernetesObject? {
        let hash = hash(object.cacheKey)
        let found = find(object.cacheKey, hash: hash)
        if let position = found.position {
            let previous = dense[position]
            dense[position] = object
            return previous
        }
        slots[found.slot] = Self.slotValue(hash: hash, position: dense.count)
        dense.append(object)
        hashes.append(hash)
        if dense.count * 4 > slots.count * 3 { grow() }
        return nil
    }

    /// Reads the first slot each object of `events` would probe, before they are applied one by one.
    ///
    /// Why: with 100,000 objects the slots span 2 MiB, and the first probe of a new key missed the
    /// processor's caches (86 % of the table's time in `triage bench watch`'s profile). Stored one
    /// after another, each insert waits for its own miss; these loads do not depend on one another, so
    /// the processor overlaps their misses, and the inserts that follow find the slots in cache.
    /// The slots are found first and read after, so that hashing does not sit between the loads.
    mutating func touchHomeSlots(of events: [WatchEvent]) {
        homes.removeAll(keepingCapacity: true)
        for event in events {
            switch event {
            case .added(let object), .modified(let object), .deleted(let object): homes.append(home(hash(object.cacheKey)))
            case .bookmark, .error: break
            }
        }
        var sum: UInt64 = 0
        for slot in homes { sum &+= slots[slot] }
        // Kept, so that the loads are not optimised away.
        touched = sum
    }

    /// Removes the object at `key`; returns it.
    mutating func remove(_ key: WatchCache.Key) -> KubernetesObject? {
        let found = find(key, hash: hash(key))
        guard let position = found.position else { return nil }
        let removed = dense[position]
        emptySlot(found.slot)
        // The last object moves into the hole: its slot must point at its new position.
        let last = dense.count - 1
        if position != last {
            let lastSlot = slot(ofPosition: last)
            dense.swapAt(position, last)
            hashes.swapAt(position, last)
            slots[lastSlot] = Self.slotValue(hash: hashes[position], position: position)
        }
        dense.removeLast()
        hashes.removeLast()
        return removed
    }

    // MARK: Probing

    private var mask: Int { slots.count - 1 }

    private static func slotCount(for capacity: Int) -> Int {
        var count = 8
        while count * 3 < capacity * 4 { count <<= 1 }
        return count
    }

    private static func slotValue(hash: UInt64, position: Int) -> UInt64 {
        (hash & 0xFFFF_FFFF_0000_0000) | UInt64(position + 1)
    }

    private static func position(_ value: UInt64) -> Int { Int(truncatingIfNeeded: value & 0xFFFF_FFFF) - 1 }

    /// Where probing for `hash` starts: its bits mixed (FNV-1a's low bits follow the last bytes
    /// closely) and the top ones taken, Fibonacci hashing.
    private func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: ((hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The slot holding `key` and its object's position, or the empty slot where it would go.
    private func find(_ key: WatchCache.Key, hash: UInt64) -> (slot: Int, position: Int?) {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = home(hash)
        while true {
            let value = slots[slot]
            if value == 0 { return (slot, nil) }
            if value & 0xFFFF_FFFF_0000_0000 == tag {
                let position = Self.position(value)
                // The two fields read in place: a copy of the object would retain its bytes and strings.
                if dense[position].name == key.name, dense[position].namespace == key.namespace { return (slot, position) }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The slot that holds the object at `position` (which the table holds).
    private func slot(ofPosition position: Int) -> Int {
        var slot = home(hashes[position])
        while Self.position(slots[slot]) != position { slot = (slot + 1) & mask }
        return slot
    }

    /// Empties `slot` and moves back the entries after it that probing would no longer reach
    /// (backward-shift deletion: linear probing needs no tombstones).
    private mutating func emptySlot(_ slot: Int) {
        var hole = slot
        var next = (slot + 1) & mask
        while slots[next] != 0 {
            let wanted = home(hashes[Self.position(slots[next])])
            // Moves back unless its home lies cyclically in (hole, next].
            let reachable = hole <= next ? (wanted > hole && wanted <= next) : (wanted > hole || wanted <= next)
            if !reachable {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for (position, hash) in hashes.enumerated() {
            var slot = home(hash)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Self.slotValue(hash: hash, position: position)
        }
    }

    /// FNV-1a over the namespace, a `/` and the name, masked by ``hashMask``.
    private func hash(_ key: WatchCache.Key) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for byte in key.namespace.utf8 { add(byte) }
        add(UInt8(ascii: "/"))
        for byte in key.name.utf8 { add(byte) }
        return hash & hashMask
    }
}
