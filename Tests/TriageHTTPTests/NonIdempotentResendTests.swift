import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
import Triage
import TriageChaos
import TriageHTTP
import TriageNIO

/// A POST is resent only when the server cannot have acted on it (taxonomy.md, "Delivery"): a complete
/// response other than 408, 425, 429 and 503 may mean the work was done.
@Suite(.serialized) struct NonIdempotentResendTests {
    static let kubernetesTimeout = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"request timed out","reason":"Timeout","code":504}"#
    static let kubernetesServerTimeout =
        #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"may still be processing","reason":"ServerTimeout","details":{"retryAfterSeconds":0},"code":500}"#

    /// Statuses (and bodies) after which the server may have done the work.
    static let actedOn: [(String, FaultBehaviour)] = [
        ("500", .respond(status: 500)),
        ("502", .respond(status: 502)),
        ("504", .respond(status: 504)),
        ("Kubernetes Timeout", .respond(status: 504, headers: [("Content-Type", "application/json")], body: kubernetesTimeout)),
        ("Kubernetes ServerTimeout", .respond(status: 500, headers: [("Content-Type", "application/json")], body: kubernetesServerTimeout)),
    ]

    /// Statuses that say the request was not acted on.
    static let notActedOn: [(String, FaultBehaviour)] = [
        ("408", .respond(status: 408)),
        ("425", .respond(status: 425)),
        ("429", .respond(status: 429)),
        ("503", .respond(status: 503)),
        ("429 Retry-After 0", .respond(status: 429, headers: [("Retry-After", "0")])),
    ]

    static func post(_ url: String, key: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        return request
    }

    /// Sends one POST through a 3-attempt pipeline against a server that always answers `behaviour`;
    /// returns how many requests the server saw and the failure.
    static func send(_ behaviour: FaultBehaviour, key: String? = nil) async throws -> (requests: Int, failure: Failure?) {
        let counter = Counter()
        let counted = FaultBehaviour.route { _, _ in
            counter.increment()
            return behaviour
        }
        let failure = try await FaultServer.with(counted) { server in
            try await ResilientHTTPClient.withClient(pipeline: TestPipelines.fast(attempts: 3)) { client in
                await captureFailure { try await client.execute(Self.post(server.url(), key: key), body: .text("x")) }
            }
        }
        return (counter.count, failure)
    }

    @Test(arguments: actedOn.map(\.0))
    func aPostWithoutAKeyIsSentOnceAfterAResponseThatMayHaveActed(_ name: String) async throws {
        let behaviour = try #require(Self.actedOn.first { $0.0 == name }?.1)
        let (requests, failure) = try await Self.send(behaviour)
        #expect(requests == 1)
        #expect(failure?.delivery == .processed)
        #expect(failure?.history.last?.rule == .notIdempotent)
    }

    @Test(arguments: actedOn.map(\.0))
    func aPostWithAKeyIsResentAfterAResponseThatMayHaveActed(_ name: String) async throws {
        let behaviour = try #require(Self.actedOn.first { $0.0 == name }?.1)
        let (requests, _) = try await Self.send(behaviour, key: "order-17")
        #expect(requests == 3)
    }

    @Test(arguments: notActedOn.map(\.0))
    func aPostWithoutAKeyIsResentAfterAResponseThatSaysNotActedOn(_ name: String) async throws {
        let behaviour = try #require(Self.notActedOn.first { $0.0 == name }?.1)
        let (requests, _) = try await Self.send(behaviour)
        #expect(requests == 3)
    }

    @Test(arguments: ["", "   "])
    func anEmptyIdempotencyKeyIsNoKey(_ value: String) async throws {
        let (requests, failure) = try await Self.send(.respond(status: 500), key: value)
        #expect(requests == 1)
        #expect(failure?.history.last?.rule == .notIdempotent)
        let (afterReset, _) = try await Self.send(.resetAfterRequest, key: value)
        #expect(afterReset == 1)
    }

    /// A bare BoringSSL error comes from an established session (handshake errors arrive wrapped in
    /// `NIOSSLError.handshakeFailed`): the request may have been sent.
    @Test func aTLSErrorAfterTheHandshakeMayHaveBeenProcessed() {
        let afterHandshake = ClassifierChain.nio.classify(BoringSSLError.sslError([]))
        #expect(afterHandshake.kind == .tlsClosed)
        #expect(afterHandshake.delivery == .maybeProcessed)
        let duringHandshake = ClassifierChain.nio.classify(NIOSSLError.handshakeFailed(.sslError([])))
        #expect(duringHandshake.kind == .tlsHandshakeFailed)
        #expect(duringHandshake.delivery == .notSent)
    }

    /// Only connect(2) proves an unreachable host never saw the request.
    @Test(arguments: [EHOSTUNREACH, ENETUNREACH])
    func unreachableOnAConnectedSocketMayHaveBeenProcessed(_ code: Int32) {
        let onConnect = ClassifierChain.nio.classify(IOError(errnoCode: code, reason: "connect(descriptor:addr:size:)"))
        #expect(onConnect.kind == .networkUnreachable)
        #expect(onConnect.delivery == .notSent)
        let onWrite = ClassifierChain.nio.classify(IOError(errnoCode: code, reason: "write(descriptor:pointer:size:)"))
        #expect(onWrite.kind == .networkUnreachable)
        #expect(onWrite.delivery == .maybeProcessed)
        #expect(Errno.failure(errno: code, duringConnect: false)?.delivery == .maybeProcessed)
        #expect(Errno.failure(errno: code, duringConnect: true)?.delivery == .notSent)
    }
}
