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

    /// Reads a list response (`{"metadata": {...}, "items": [...]}`).
    public init(json: [UInt8]) throws(KubernetesDecodingError) {
        let scanner = JSONScanner(json)
        var resourceVersion = ""
        var continueToken: String?
        var remaining: Int?
        var items: [KubernetesObject] = []
        var failure: KubernetesDecodingError?
        let wellFormed = scanner.members(of: 0..<json.count) { key, value in
            if scanner.key(key, is: "metadata") {
                scanner.members(of: value) { key, value in
                    if scanner.key(key, is: "resourceVersion") { resourceVersion = scanner.string(value) ?? "" }
                    else if scanner.key(key, is: "continue") { continueToken = scanner.string(value).flatMap { $0.isEmpty ? nil : $0 } }
                    else if scanner.key(key, is: "remainingItemCount") { remaining = Int(String(decoding: json[value], as: UTF8.self)) }
                    return true
                }
            } else if scanner.key(key, is: "items") {
                let isArray = scanner.elements(of: value) { element in
                    do throws(KubernetesDecodingError) {
                        items.append(try KubernetesObject.scan(scanner, range: element))
                    } catch {
                        failure = error
                    }
                }
                // `"items": null` is an empty list, as the API server sends for none.
                if !isArray, String(decoding: json[value], as: UTF8.self) != "null" {
                    failure = KubernetesDecodingError("items is not an array")
                }
            }
            return failure == nil
        }
        if let failure { throw failure }
        guard wellFormed else { throw KubernetesDecodingError("the list is not a JSON object") }
        self.init(resourceVersion: resourceVersion, continueToken: continueToken, remainingItemCount: remaining, items: items)
    }
}
