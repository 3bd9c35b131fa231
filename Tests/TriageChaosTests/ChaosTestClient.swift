import AsyncHTTPClient
import Foundation
import NIOCore
import TriageHTTP

/// A small AsyncHTTPClient wrapper for the chaos tests: one request, read to the end, the outcome classified.
struct ChaosTestClient {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String
    }

    let client: HTTPClient

    init(readTimeout: TimeAmount = .seconds(3)) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: readTimeout)
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with a client and shuts it down afterwards.
    static func with<T>(readTimeout: TimeAmount = .seconds(3), _ body: (ChaosTestClient) async throws -> T) async throws -> T {
        let test = ChaosTestClient(readTimeout: readTimeout)
        do {
            let result = try await body(test)
            try await test.client.shutdown()
            return result
        } catch {
            try? await test.client.shutdown()
            throw error
        }
    }

    func send(_ url: String, method: String = "GET", body: String? = nil) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return Response(status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) },
                        body: String(buffer: collected))
    }

    /// The classified failure of a GET: the transport error through the AsyncHTTPClient chain, or the
    /// error status through ``HTTPResponseClassifier``; `nil` on success.
    func failure(of url: String) async -> Failure? {
        do {
            let response = try await send(url)
            return HTTPResponseClassifier().classify(status: response.status, headers: response.headers,
                                                     body: Array(response.body.utf8), now: Date().timeIntervalSince1970)
        } catch {
            return ClassifierChain.asyncHTTPClient.classify(error)
        }
    }
}
