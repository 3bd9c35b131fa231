import Crypto
import Foundation
import NIOCore

/// Signs S3 requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`), as botocore's `S3SigV4Auth`
/// and `S3SigV4QueryAuth` do: S3 paths are not normalised, every header sent is signed except
/// `user-agent`, `expect`, `transfer-encoding` and `x-amzn-trace-id`, and the payload is either its SHA-256 or
/// `UNSIGNED-PAYLOAD`.
///
/// signature = hex(HMAC(kSigning, stringToSign)), where
/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyyMMdd), region), "s3"), "aws4_request") and
/// stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(SHA256(canonicalRequest)).
public struct SigV4Signer: Sendable {
    public var credentials: S3Credentials
    /// The signing region (default `us-east-1`).
    public var region: String
    /// The signing service (default `s3`).
    public var service: String

    public init(credentials: S3Credentials, region: String = "us-east-1", service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What the request's body contributes to its signature.
    public enum Payload: Sendable, Hashable {
        /// `UNSIGNED-PAYLOAD`: the body is not hashed (S3 accepts it; TLS protects the body).
        case unsigned
        /// The body's SHA-256 is part of the signature.
        case signed(hexSHA256: String)

        /// The SHA-256 of `bytes`.
        public static func hashing(_ bytes: [UInt8]) -> Payload {
            .signed(hexSHA256: SigV4Encoding.hexString(SHA256.hash(data: bytes)))
        }

        /// The SHA-256 of `buffer`'s readable bytes.
        public static func hashing(_ buffer: ByteBuffer) -> Payload {
            var hasher = SHA256()
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            return .signed(hexSHA256: SigV4Encoding.hexString(hasher.finalize()))
        }

        /// The SHA-256 of the empty body.
        public static let empty = Payload.signed(hexSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

        var value: String {
            switch self {
            case .unsigned: "UNSIGNED-PAYLOAD"
            case .signed(let hash): hash
            }
        }
    }

    static let unsignedHeaders: Set<String> = ["user-agent", "expect", "x-amzn-trace-id", "transfer-encoding", "authorization"]

    /// Adds `Host`, `X-Amz-Date`, `X-Amz-Content-SHA256`, the session token and `Authorization` to
    /// `request`, signed at `date`.
    public func sign(_ request: inout SigV4Request, payload: Payload, date: Date) {
        let stamp = SigV4Timestamp(date)
        request.setHeader("Host", request.authority)
        request.setHeader("X-Amz-Date", stamp.dateTime)
        request.setHeader("X-Amz-Content-SHA256", payload.value)
        if let token = credentials.sessionToken { request.setHeader("X-Amz-Security-Token", token) }
        let signing = Self.canonicalHeaders(request.headers)
        let canonical = [
            request.method.uppercased(), request.path, Self.canonicalQuery(request.query),
            signing.canonical + "\n", signing.names, payload.value,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonical, stamp: stamp)
        request.setHeader("Authorization",
                          "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(stamp)), SignedHeaders=\(signing.names), Signature=\(signature)")
    }

    /// A presigned URL for `request` (its headers other than `host` are not signed), valid for
    /// `expires` (1 s to 7 days; default 1 hour) from `date`. The URL holds a signature and, with a
    /// session token, the token: treat it as a secret.
    public func presignedURL(for request: SigV4Request, expires: Duration = .seconds(3600), date: Date) -> String {
        let stamp = SigV4Timestamp(date)
        let seconds = max(1, min(604_800, Int(expires.components.seconds)))
        var query = request.query
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"))
        query.append(("X-Amz-Date", stamp.dateTime))
        query.append(("X-Amz-Expires", String(seconds)))
        query.append(("X-Amz-SignedHeaders", "host"))
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let canonical = [
            request.method.uppercased(), request.path, Self.canonicalQuery(query),
            "host:\(request.authority)\n", "host", Payload.unsigned.value,
        ].joined(separator: "\n")
        var signed = request
        signed.query = query
        signed.query.append(("X-Amz-Signature", signature(canonicalRequest: canonical, stamp: stamp)))
        return signed.url
    }

    func scope(_ stamp: SigV4Timestamp) -> String { "\(stamp.date)/\(region)/\(service)/aws4_request" }

    func signature(canonicalRequest: String, stamp: SigV4Timestamp) -> String {
        let hashed = SigV4Encoding.hexString(SHA256.hash(data: Data(canonicalRequest.utf8)))
        let stringToSign = "AWS4-HMAC-SHA256\n\(stamp.dateTime)\n\(scope(stamp))\n\(hashed)"
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [stamp.date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return SigV4Encoding.hexString(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// `name:value` lines sorted by lower-case name (values trimmed, inner runs of spaces collapsed,
    /// repeated names joined with `,`), and the `;`-joined names.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (canonical: String, names: String) {
        var byName: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased().trimmingCharacters(in: .whitespaces)
            guard !unsignedHeaders.contains(lower) else { continue }
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
            byName[lower, default: []].append(trimmed)
        }
        let names = byName.keys.sorted()
        let canonical = names.map { "\($0):\(byName[$0]!.joined(separator: ","))" }.joined(separator: "\n")
        return (canonical, names.joined(separator: ";"))
    }

    /// Encoded `name=value` pairs sorted by name, then value, joined with `&`.
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        var pairs: [(name: String, value: String)] = query.map { item in
            (SigV4Encoding.query(item.name), SigV4Encoding.query(item.value))
        }
        pairs.sort { first, second in first.name == second.name ? first.value < second.value : first.name < second.name }
        return pairs.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }
}

/// A signing time as SigV4 writes it: `yyyyMMdd` and `yyyyMMdd'T'HHmmss'Z'`, UTC.
struct SigV4Timestamp {
    let date: String
    let dateTime: String

    init(_ instant: Date) {
        var seconds = time_t(instant.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        date = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        dateTime = "\(date)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
