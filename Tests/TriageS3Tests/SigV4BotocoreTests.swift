import Foundation
import Testing
import TriageTestSupport
@testable import TriageS3

/// Signature Version 4 against botocore's own signer (`S3SigV4Auth`, `S3SigV4QueryAuth`), run as a
/// subprocess at a fixed time with fixed credentials: the same request must get the same URL and the
/// same signature, header by header.
@Suite(.enabled("python3 with botocore is not installed (scripts/install-test-deps.sh installs moto, which brings it)") {
    await Python.hasModules(["botocore"])
})
struct SigV4BotocoreTests {
    struct Case: Sendable {
        var name: String
        var method = "GET"
        var endpoint = "http://127.0.0.1:9000"
        var bucket = "triage-bucket"
        var key = "a.txt"
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body = ""
        var signsPayload = true
        var token: String?
        var region = "us-east-1"
        var presignSeconds: Int?
    }

    static let cases: [Case] = [
        Case(name: "get, path-style"),
        Case(name: "put, signed payload, content type", method: "PUT", headers: [("Content-Type", "text/plain")], body: "hello, world"),
        Case(name: "put, unsigned payload", method: "PUT", body: "not hashed", signsPayload: false),
        Case(name: "session token", token: "FQoGZXIvYXdzEJr//////////wEaDM+token=="),
        Case(name: "key needing encoding", key: "dir one/ü+%&=?*.txt"),
        Case(name: "list query", key: "", query: [("list-type", "2"), ("prefix", "a b/c"), ("continuation-token", "1/2+3="), ("max-keys", "1000")]),
        Case(name: "virtual-hosted, https, region", endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1"),
        Case(name: "headers with runs of spaces, meta", method: "PUT", headers: [("x-amz-meta-note", "  two   spaces  "), ("Content-Type", "a/b")], body: "x"),
        Case(name: "delete objects post", method: "POST", key: "", query: [("delete", "")], headers: [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], body: "<Delete/>"),
        Case(name: "presigned get", presignSeconds: 900),
        Case(name: "presigned get with token, virtual-hosted", endpoint: "https://s3.us-west-2.amazonaws.com", key: "p/q r.bin", token: "tok/en+==",
             region: "us-west-2", presignSeconds: 3600),
    ]

    static let credentials = (id: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    /// 2026-01-02T03:04:05Z.
    static let date = Date(timeIntervalSince1970: 1_767_323_045)

    static let script = #"""
    import json, sys, datetime
    from unittest import mock
    from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.config import Config
    fixed = datetime.datetime(2026, 1, 2, 3, 4, 5)
    from urllib.parse import quote
    out = []
    for c in json.load(sys.stdin):
        path = quote(c['key'], safe='/~')
        creds = Credentials(c['id'], c['secret'], c.get('token'))
        with mock.patch('botocore.auth.get_current_datetime', return_value=fixed):
            request = AWSRequest(method=c['method'], url=c['url'], headers=dict(c['headers']), data=c['body'].encode())
            if c.get('presign'):
                S3SigV4QueryAuth(creds, 's3', c['region'], expires=c['presign']).add_auth(request)
                out.append({'url': request.url, 'path': path})
            else:
                request.context['client_config'] = Config(s3={'payload_signing_enabled': c['signsPayload']})
                S3SigV4Auth(creds, 's3', c['region']).add_auth(request)
                out.append({'authorization': request.headers['Authorization'],
                            'sha256': request.headers['X-Amz-Content-SHA256'], 'path': path})
    print(json.dumps(out))
    """#

    /// The request as the client builds it: addressed by ``S3Endpoint``, headers as given.
    static func request(_ item: Case) throws -> SigV4Request {
        let endpoint = try S3Endpoint(url: item.endpoint)
        let address = endpoint.address(bucket: item.bucket, key: item.key)
        return SigV4Request(method: item.method, scheme: endpoint.scheme, authority: address.authority, path: address.path,
                            query: item.query.map { (name: $0.0, value: $0.1) }, headers: item.headers.map { (name: $0.0, value: $0.1) })
    }

    @Test func signaturesMatchBotocore() async throws {
        let items = Self.cases
        var input: [[String: Any]] = []
        var ours: [(url: String, authorization: String?, sha256: String?)] = []
        for item in items {
            var request = try Self.request(item)
            let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: Self.credentials.id, secretAccessKey: Self.credentials.secret,
                                                                sessionToken: item.token), region: item.region)
            var entry: [String: Any] = ["id": Self.credentials.id, "secret": Self.credentials.secret, "method": item.method,
                                        "url": request.url, "headers": item.headers.map { [$0.0, $0.1] }, "body": item.body,
                                        "signsPayload": item.signsPayload, "region": item.region, "key": item.key]
            if let token = item.token { entry["token"] = token }
            if let seconds = item.presignSeconds {
                entry["presign"] = seconds
                ours.append((signer.presignedURL(for: request, expires: .seconds(seconds), date: Self.date), nil, nil))
            } else {
                let payload: SigV4Signer.Payload = item.body.isEmpty ? .empty : item.signsPayload ? .hashing(Array(item.body.utf8)) : .unsigned
                signer.sign(&request, payload: payload, date: Self.date)
                ours.append((request.url, request.header("Authorization"), request.header("X-Amz-Content-SHA256")))
            }
            input.append(entry)
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: input), as: UTF8.self)
        let result = try await Python.run(Self.script, input: json)
        try #require(result.status == 0, "botocore's signer failed: \(result.error)")
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: String]])
        try #require(theirs.count == items.count)
        for (index, item) in items.enumerated() {
            #expect(SigV4Encoding.path(item.key) == theirs[index]["path"], "\(item.name): the key's encoding")
            if item.presignSeconds != nil {
                let their = try #require(theirs[index]["url"])
                #expect(Self.signature(inURL: ours[index].url) == Self.signature(inURL: their), "\(item.name)")
                #expect(Self.sortedQuery(ours[index].url) == Self.sortedQuery(their), "\(item.name)")
            } else {
                #expect(ours[index].authorization == theirs[index]["authorization"], "\(item.name)")
                #expect(ours[index].sha256 == theirs[index]["sha256"], "\(item.name)")
            }
        }
    }

    /// A signer with another secret must not agree with botocore: the comparison can fail.
    @Test func aWrongSecretDisagrees() async throws {
        var request = try Self.request(Self.cases[0])
        SigV4Signer(credentials: S3Credentials(accessKeyID: Self.credentials.id, secretAccessKey: "not-the-secret")).sign(&request, payload: .empty, date: Self.date)
        var right = try Self.request(Self.cases[0])
        SigV4Signer(credentials: S3Credentials(accessKeyID: Self.credentials.id, secretAccessKey: Self.credentials.secret)).sign(&right, payload: .empty, date: Self.date)
        #expect(request.header("Authorization") != right.header("Authorization"))
    }

    static func signature(inURL url: String) -> String? {
        url.split(separator: "?").last?.split(separator: "&").first { $0.hasPrefix("X-Amz-Signature=") }.map { String($0.dropFirst(16)) }
    }

    static func sortedQuery(_ url: String) -> [String] {
        (url.split(separator: "?", maxSplits: 1).last ?? "").split(separator: "&").map(String.init).sorted()
    }
}
