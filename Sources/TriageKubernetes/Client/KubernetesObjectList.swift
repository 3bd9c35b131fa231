/// One page of a list, or all pages of a list followed through its `continue` tokens.
public struct KubernetesObjectList: Sendable {
    /// The list's `metadata.resourceVersion`: where a watch of the collection resumes from.
    public var resourceVersion: String
    /// `metadata.continue`: the token for the next page; `nil` on the last.
    public var continueToken: String?
    /// `metadata.remainingItemCount`, when the server sent it.
    public var remainingItemCount: Int?
    public var items: [KubernetesObject]

    public init(resourceVersion: String, continueToken: String? = nil, remainingItemCount: Int? = nil, items: [KubernetesObject]) {
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
        self.items = items
    }

    /// Reads a list response (`{"metadata": {...}, "items": [...]}`), each item in one pass.
    public init(json: [UInt8]) throws(KubernetesDecodingError) {
        self = try JSONScanner.with(json) { scanner throws(KubernetesDecodingError) in try KubernetesObjectList(scanner) }
    }

    private init(_ scanner: JSONScanner) throws(KubernetesDecodingError) {
        var resourceVersion = ""
        var continueToken: String?
        var remaining: Int?
        var items: [KubernetesObject] = []
        var failure: KubernetesDecodingError?
        let end = scanner.members(from: 0) { key, value in
            if scanner.key(key, is: "metadata"), scanner.byte(at: value, is: UInt8(ascii: "{")) {
                return scanner.members(from: value) { key, value in
                    guard let end = scanner.skipValue(value) else { return nil }
                    if scanner.key(key, is: "resourceVersion") { resourceVersion = scanner.string(value..<end) ?? "" }
                    else if scanner.key(key, is: "continue") { continueToken = scanner.string(value..<end).flatMap { $0.isEmpty ? nil : $0 } }
                    else if scanner.key(key, is: "remainingItemCount") { remaining = Int(String(decoding: scanner.copy(value..<end), as: UTF8.self)) }
                    return end
                }
            }
            guard scanner.key(key, is: "items") else { return scanner.skipValue(value) }
            if scanner.byte(at: value, is: UInt8(ascii: "[")) {
                let end = scanner.elements(from: value) { element in
                    guard let object = scanner.object(at: element) else {
                        failure = KubernetesDecodingError("an item is not a JSON object")
                        return nil
                    }
                    items.append(KubernetesObject(object, of: scanner))
                    return object.range.upperBound
                }
                if end == nil, failure == nil { failure = KubernetesDecodingError("items is not an array") }
                return end
            }
            // `"items": null` is an empty list, as the API server sends for none.
            guard let end = scanner.skipValue(value), scanner.key(value..<end, is: "null") else {
                failure = KubernetesDecodingError("items is not an array")
                return nil
            }
            return end
        }
        if let failure { throw failure }
        guard end != nil else { throw KubernetesDecodingError("the list is not a JSON object") }
        self.init(resourceVersion: resourceVersion, continueToken: continueToken, remainingItemCount: remaining, items: items)
    }
}
