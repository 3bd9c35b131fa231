import AsyncHTTPClient
import NIOHTTP1
import Testing
import TriageChaos
import TriageHTTP
import TriageTestKit

/// The client follows redirects itself, so secret headers stay with their origin (AsyncHTTPClient
/// alone forwards an `X-Api-Key` to whatever host a `Location` names).
@Suite struct ResilientHTTPClientRedirectTests {
    static let headers: [(String, String)] = [
        ("Authorization", "Bearer s3cret-token"), ("X-Api-Key", "k3y-value"), ("X-Tenant-Secret", "tenant-pass"),
        ("X-Trace", "trace-1"),
    ]

    static func request(_ url: String, method: HTTPMethod = .GET) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return request
    }

    /// The headers the landing server got, by lower-cased name.
    static func landed(_ received: LockedValue<[FaultRequest]>) -> [String: String] {
        Dictionary(received.withLock { $0.last?.headers ?? [] }.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aRedirectToAnotherOriginDropsEverySecretHeader() async throws {
        let received = LockedValue<[FaultRequest]>([])
        var options = ResilientHTTPClientOptions()
        options.secretHeaders.insert("x-tenant-secret")
        try await FaultServer.with(.routeRequest { request in
            received.withLock { $0.append(request) }
            return .respond(status: 200, body: "landed")
        }) { landing in
            try await FaultServer.with(.respond(status: 302, headers: [("Location", landing.url("/landing"))])) { origin in
                try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(), options: options) { client in
                    let response = try await client.execute(Self.request(origin.url("/start")))
                    #expect(response.status == .ok)
                }
            }
        }
        let headers = Self.landed(received)
        #expect(headers["x-trace"] == "trace-1")
        #expect(headers["authorization"] == nil)
        #expect(headers["x-api-key"] == nil)
        #expect(headers["x-tenant-secret"] == nil)
    }

    @Test func aRedirectWithinTheOriginKeepsTheHeaders() async throws {
        let received = LockedValue<[FaultRequest]>([])
        try await FaultServer.with(.routeRequest { request in
            guard request.path == "/landing" else { return .respond(status: 307, headers: [("Location", "/landing")]) }
            received.withLock { $0.append(request) }
            return .respond(status: 200, body: "landed")
        }) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let response = try await client.execute(Self.request(server.url("/start")))
                #expect(response.status == .ok)
            }
        }
        let headers = Self.landed(received)
        #expect(headers["authorization"] == "Bearer s3cret-token")
        #expect(headers["x-api-key"] == "k3y-value")
    }

    @Test func aLoopIsRedirectTooManyAndNoneIsFollowedWhenTurnedOff() async throws {
        try await FaultServer.with(.redirectLoop) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let failure = await #expect(throws: Failure.self) { _ = try await client.execute(Self.request(server.url("/loop/a"))) }
                #expect(failure?.kind == .redirectTooMany)
            }
            var options = ResilientHTTPClientOptions()
            options.maximumRedirects = nil
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(), options: options) { client in
                // Followed by nobody (AsyncHTTPClient's own following is off too): the 302 is the answer.
                let response = try await client.execute(Self.request(server.url("/loop/a")))
                #expect(response.status.code == 302)
            }
        }
    }

    @Test func theMaximumIsExact() async throws {
        let requests = try await FaultServer.with(.redirectChain) { server in
            var options = ResilientHTTPClientOptions()
            options.maximumRedirects = 2
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(attempts: 1), options: options) { client in
                let failure = await #expect(throws: Failure.self) { _ = try await client.execute(Self.request(server.url("/chain/0"))) }
                #expect(failure?.kind == .redirectTooMany)
            }
            return server.requestCount
        }
        // The first request and two redirects were sent; the third redirect was refused.
        #expect(requests == 3)
    }

    @Test func a303TurnsAPostIntoAGetWithoutItsBody() async throws {
        let received = LockedValue<[FaultRequest]>([])
        try await FaultServer.with(.routeRequest { request in
            received.withLock { $0.append(request) }
            guard request.path == "/done" else { return .respond(status: 303, headers: [("Location", "/done")]) }
            return .respond(status: 200, body: "done")
        }) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast()) { client in
                let response = try await client.execute(Self.request(server.url("/submit"), method: .POST), body: .bytes(Array("payload".utf8)))
                #expect(response.status == .ok)
            }
        }
        let requests = received.withLock { $0 }
        #expect(requests.map(\.method) == ["POST", "GET"])
        #expect(requests.last?.body.isEmpty == true)
    }
}
