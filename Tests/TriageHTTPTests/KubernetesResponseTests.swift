import AsyncHTTPClient
import NIOHTTP1
import Testing
import Triage
import TriageChaos
import TriageHTTP

/// Kubernetes-style error responses served by a FaultServer route, seen through the client.
@Suite(.serialized) struct KubernetesResponseTests {
    static func status(_ reason: String, _ code: Int, message: String = "m", details: String = "") -> String {
        let detailsMember = details.isEmpty ? "" : #","details":\#(details)"#
        return #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)"\#(detailsMember),"code":\#(code)}"#
    }

    static let json = [("Content-Type", "application/json")]

    /// The API server this suite talks to: one path per case.
    static let server = FaultBehaviour.route { method, path in
        let route = path.split(separator: "?").first.map(String.init) ?? path
        switch route {
        case "/api/v1/namespaces/default/pods/missing":
            return .respond(status: 404, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("NotFound", 404, message: #"pods \"missing\" not found"#,
                                                                       details: #"{"name":"missing","kind":"pods"}"#))
        case "/api/v1/namespaces/default/pods/conflict":
            return .respond(status: 409, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("Conflict", 409, message: "the object has been modified"))
        case "/api/v1/namespaces/default/pods":
            if method == "POST" {
                return .respond(status: 409, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("AlreadyExists", 409, details: #"{"name":"web","kind":"pods","uid":"u-1"}"#))
            }
            if path.contains("watch=true") {
                return .respond(status: 410, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("Gone", 410, message: "resource version too old"))
            }
            return .respond(status: 410, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("Expired", 410, message: "The provided continue parameter is too old"))
        case "/api/v1/invalid":
            return .respond(status: 422, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("Invalid", 422, details:
                #"{"name":"web","kind":"pods","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"},{"reason":"FieldValueInvalid","message":"bad","field":"metadata.name"}]}"#))
        case "/api/v1/throttled":
            return .respond(status: 429, headers: KubernetesResponseTests.json + [("Retry-After", "3")], body: KubernetesResponseTests.status("TooManyRequests", 429, details: #"{"retryAfterSeconds":3}"#))
        case "/api/v1/servertimeout":
            return .respond(status: 500, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("ServerTimeout", 500, details: #"{"kind":"pods","retryAfterSeconds":2}"#))
        case "/api/v1/timeout":
            return .respond(status: 504, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status("Timeout", 504))
        case "/api/v1/ratelimiter":
            return .respond(status: 429, headers: [("Content-Type", "text/plain"), ("Retry-After", "1")], body: "Too many requests, please try again later.\n")
        case "/api/v1/proxy":
            return .respond(status: 502, headers: [("Content-Type", "text/html")], body: "<html>bad gateway</html>")
        case "/api/v1/plainconflict":
            return .respond(status: 409, headers: [("Content-Type", "text/plain")], body: "conflict")
        default:
            let code = Int(route.split(separator: "/").last ?? "") ?? 500
            let reasons = [400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 405: "MethodNotAllowed", 406: "NotAcceptable",
                           413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 500: "InternalError", 503: "ServiceUnavailable"]
            return .respond(status: code, headers: KubernetesResponseTests.json, body: KubernetesResponseTests.status(reasons[code] ?? "", code))
        }
    }

    static func fetch(_ path: String, _ method: HTTPMethod = .GET) async throws -> Failure? {
        let options = try ResilientHTTPClientOptions(isKubernetes: true)
        let pipeline = Pipeline(clock: ContinuousClock(), retry: .never, deadline: .seconds(10))
        return try await FaultServer.with(server) { server in
            try await ResilientHTTPClient.withClient(pipeline: pipeline, options: options) { client in
                var request = HTTPClientRequest(url: server.url(path))
                request.method = method
                return await captureFailure { try await client.execute(request, body: method == .POST ? .text("{}") : nil) }
            }
        }
    }

    @Test func notFound() async throws {
        let failure = try #require(try await Self.fetch("/api/v1/namespaces/default/pods/missing"))
        let status = try #require(failure.kubernetesStatus)
        #expect(status.isNotFound && !status.isGone)
        #expect(status.details?.name == "missing")
        #expect(failure.kind == .httpNotFound)
        #expect(failure.decision == .fail)
    }

    @Test func conflictIsARefreshButAlreadyExistsIsNot() async throws {
        let conflict = try #require(try await Self.fetch("/api/v1/namespaces/default/pods/conflict", .PUT))
        #expect(conflict.kubernetesStatus?.isConflict == true)
        #expect(conflict.kubernetesStatus?.isAlreadyExists == false)
        #expect(conflict.kind == .httpConflict)
        #expect(conflict.decision == .refresh)

        let exists = try #require(try await Self.fetch("/api/v1/namespaces/default/pods", .POST))
        #expect(exists.kubernetesStatus?.isAlreadyExists == true)
        #expect(exists.kubernetesStatus?.isConflict == false)
        #expect(exists.kubernetesStatus?.details?.uid == "u-1")
        #expect(exists.kind == .httpAlreadyExists)
        #expect(exists.decision == .fail)
    }

    @Test func expiredAndGoneOnAWatchMeanRelist() async throws {
        let expired = try #require(try await Self.fetch("/api/v1/namespaces/default/pods?limit=5&continue=abc"))
        #expect(expired.kubernetesStatus?.isResourceExpired == true)
        #expect(expired.kind == .watchExpired)
        #expect(expired.decision == .relist)

        let gone = try #require(try await Self.fetch("/api/v1/namespaces/default/pods?watch=true&resourceVersion=1"))
        #expect(gone.kubernetesStatus?.isGone == true)
        #expect(gone.kind == .watchExpired)
        #expect(gone.decision == .relist)
    }

    @Test func invalidCarriesItsCauses() async throws {
        let failure = try #require(try await Self.fetch("/api/v1/invalid", .PUT))
        let status = try #require(failure.kubernetesStatus)
        #expect(status.isInvalid)
        #expect(status.details?.causes?.map(\.field) == ["spec.containers", "metadata.name"])
        #expect(status.details?.causes?.first?.reason == "FieldValueRequired")
        #expect(failure.kind == .httpInvalid)
    }

    @Test func tooManyRequestsNamesItsDelay() async throws {
        let failure = try #require(try await Self.fetch("/api/v1/throttled"))
        #expect(failure.kubernetesStatus?.isTooManyRequests == true)
        #expect(failure.kubernetesStatus?.suggestsClientDelay == .seconds(3))
        #expect(failure.retryAfter == .seconds(3))
        #expect(failure.decision == .retryAfter)
    }

    @Test func serverTimeoutAndTimeout() async throws {
        let serverTimeout = try #require(try await Self.fetch("/api/v1/servertimeout"))
        #expect(serverTimeout.kubernetesStatus?.isServerTimeout == true)
        #expect(serverTimeout.kubernetesStatus?.isInternalError == false)
        #expect(serverTimeout.retryAfter == .seconds(2))
        #expect(serverTimeout.decision == .retryAfter)

        let timeout = try #require(try await Self.fetch("/api/v1/timeout"))
        #expect(timeout.kubernetesStatus?.isTimeout == true)
        #expect(timeout.kind == .httpGatewayTimeout)
    }

    @Test func theRateLimitersPlainTextIsReadAsClientGoDoes() async throws {
        let failure = try #require(try await Self.fetch("/api/v1/ratelimiter"))
        let status = try #require(failure.kubernetesStatus)
        #expect(status.reason == "TooManyRequests")
        #expect(status.isTooManyRequests)
        #expect(status.suggestsClientDelay == .seconds(1))
        #expect(failure.kind == .httpThrottled)
        #expect(failure.retryAfter == .seconds(1))

        let proxy = try #require(try await Self.fetch("/api/v1/proxy"))
        #expect(proxy.kubernetesStatus?.isInternalError == true)
        #expect(proxy.kind == .httpBadGateway)

        let plainConflict = try #require(try await Self.fetch("/api/v1/plainconflict", .POST))
        #expect(plainConflict.kubernetesStatus?.isAlreadyExists == true)
        #expect(plainConflict.kind == .httpAlreadyExists)
    }

    static let predicates: [(Int, String, @Sendable (KubernetesStatus) -> Bool)] = [
        (400, "isBadRequest", { $0.isBadRequest }), (401, "isUnauthorized", { $0.isUnauthorized }),
        (403, "isForbidden", { $0.isForbidden }), (405, "isMethodNotSupported", { $0.isMethodNotSupported }),
        (406, "isNotAcceptable", { $0.isNotAcceptable }), (413, "isRequestEntityTooLarge", { $0.isRequestEntityTooLarge }),
        (415, "isUnsupportedMediaType", { $0.isUnsupportedMediaType }), (500, "isInternalError", { $0.isInternalError }),
        (503, "isServiceUnavailable", { $0.isServiceUnavailable }),
    ]

    @Test func everyOtherPredicateOverTheWire() async throws {
        for (code, name, predicate) in Self.predicates {
            let failure = try #require(try await Self.fetch("/api/v1/status/\(code)"), "\(code)")
            let status = try #require(failure.kubernetesStatus, "\(code)")
            #expect(predicate(status), "\(name) for \(code)")
            #expect(status.code == code)
            for (other, otherName, otherPredicate) in Self.predicates where other != code {
                #expect(!otherPredicate(status), "\(otherName) must not match \(code)")
            }
        }
    }
}
