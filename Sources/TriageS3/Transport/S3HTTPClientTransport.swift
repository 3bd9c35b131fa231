import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Sends S3 requests with AsyncHTTPClient.
///
/// Give it a client whose redirects are off (`redirectConfiguration = .disallow`) and whose
/// connection-establishment retry is off (``S3Client`` owns retries and re-addresses S3's redirects
/// itself); ``S3Client/withClient(endpoint:region:credentials:pipeline:logger:_:)`` makes such a client.
public struct S3HTTPClientTransport: S3Transport {
    public let httpClient: HTTPClient

    public init(httpClient: HTTPClient) {
        self.httpClient = httpClient
    }

    public func send(_ request: SigV4Request, body: ByteBuffer?, deadline: NIODeadline, logger: Logger?) async throws -> S3TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers where name.lowercased() != "host" {
            outgoing.headers.add(name: name, value: value)
        }
        if let body {
            outgoing.body = .bytes(body)
        } else if request.method == "PUT" || request.method == "POST" {
            outgoing.body = .bytes(ByteBuffer())  // S3 wants a Content-Length, 0 included
        }
        let response = try await httpClient.execute(outgoing, deadline: deadline, logger: logger)
        let headers = response.headers.map { (name: $0.name, value: $0.value) }
        let stream = response.body
        let body = S3ResponseBody {
            let iterator = IteratorBox(stream.makeAsyncIterator())
            return { try await iterator.next() }
        }
        return S3TransportResponse(status: Int(response.status.code), headers: headers, body: body)
    }
}

/// Holds AsyncHTTPClient's body iterator for a `@Sendable` closure: the body is read by one task at a
/// time, in order, which is the iterator's own contract.
final class IteratorBox: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
