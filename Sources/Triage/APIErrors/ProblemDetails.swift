#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RFC 9457 problem details (`application/problem+json`).
public struct ProblemDetails: Sendable, Hashable, Decodable {
    /// A URI naming the problem type (RFC 9457: `"about:blank"` when absent).
    public var type: String?
    public var title: String?
    public var status: Int?
    public var detail: String?
    public var instance: String?
    /// Members beyond the standard five.
    public var extensions: [String: JSONValue]

    public init(type: String? = nil, title: String? = nil, status: Int? = nil, detail: String? = nil,
                instance: String? = nil, extensions: [String: JSONValue] = [:]) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.extensions = extensions
    }

    private static let standardMembers: Set<String> = ["type", "title", "status", "detail", "instance"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        func string(_ name: String) -> String? { try? container.decode(String.self, forKey: AnyCodingKey(stringValue: name)) }
        type = string("type")
        title = string("title")
        status = try? container.decode(Int.self, forKey: AnyCodingKey(stringValue: "status"))
        detail = string("detail")
        instance = string("instance")
        extensions = [:]
        for key in container.allKeys where !Self.standardMembers.contains(key.stringValue) {
            extensions[key.stringValue] = try? container.decode(JSONValue.self, forKey: key)
        }
    }

    /// Decodes a problem document; `nil` when the body is not a JSON object.
    public static func decode(_ body: [UInt8]) -> ProblemDetails? {
        try? JSONDecoder().decode(ProblemDetails.self, from: Data(body))
    }

    func decoded(status: Int) -> DecodedAPIError {
        let info = APIErrorInfo(format: .problem, reason: type, code: nil, message: detail ?? title,
                                 document: .problem(self))
        return DecodedAPIError(error: .problem(self), kind: HTTPResponseClassifier.kind(forStatus: status), info: info)
    }
}
