import Testing
import Triage

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func kubernetes(_ reason: String, code: Int, message: String = "m", retryAfter: Int? = nil) -> [UInt8] {
    let details = retryAfter.map { #","details":{"name":"x","kind":"pods","retryAfterSeconds":\#($0)}"# } ?? ""
    return bytes(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","code":\#(code)\#(details)}"#)
}

@Suite struct KubernetesStatusTests {
    let classifier = HTTPResponseClassifier()
    let json = [("Content-Type", "application/json")]

    @Test(arguments: [
        ("NotFound", 404, "http.notFound", Decision.fail),
        ("AlreadyExists", 409, "http.alreadyExists", .fail),
        ("Conflict", 409, "http.conflict", .refresh),
        ("Expired", 410, "watch.expired", .relist),
        ("Gone", 410, "http.gone", .fail),
        ("Invalid", 422, "http.invalid", .fail),
        ("TooManyRequests", 429, "http.throttled", .retry),
        ("Timeout", 504, "http.gatewayTimeout", .retry),
        ("InternalError", 500, "http.serverError", .retry),
        ("ServiceUnavailable", 503, "http.unavailable", .retry),
    ] as [(String, Int, String, Decision)])
    func reasonsRefineTheStatus(reason: String, code: Int, kind: String, decision: Decision) throws {
        let failure = try #require(classifier.classify(status: code, headers: json, body: kubernetes(reason, code: code), now: 0))
        #expect(failure.kind.id == kind)
        #expect(failure.decision == decision)
        #expect(failure.api?.format == .kubernetes)
        #expect(failure.api?.reason == reason)
    }

    @Test func tooOldResourceVersionIsAnExpiredWatch() throws {
        let body = kubernetes("Gone", code: 410, message: "too old resource version: 1 (5)")
        #expect(classifier.classify(status: 410, headers: json, body: body, now: 0)?.kind == .watchExpired)
    }

    @Test func serverTimeoutNamesItsDelay() throws {
        let failure = try #require(classifier.classify(status: 500, headers: json, body: kubernetes("ServerTimeout", code: 500, retryAfter: 2), now: 0))
        #expect(failure.decision == .retryAfter)
        #expect(failure.retryAfter == .seconds(2))
    }

    @Test func theHeaderWinsOverTheBody() throws {
        let failure = try #require(classifier.classify(status: 429, headers: json + [("Retry-After", "7")], body: kubernetes("TooManyRequests", code: 429, retryAfter: 2), now: 0))
        #expect(failure.retryAfter == .seconds(7))
    }

    @Test func predicatesFollowApimachinery() throws {
        let notFound = try #require(KubernetesStatus.decode(kubernetes("NotFound", code: 404)))
        #expect(notFound.isNotFound && !notFound.isConflict)
        // An unknown reason falls back to the code; a known other reason does not.
        #expect(KubernetesStatus(reason: "SomethingNew", code: 404).isNotFound)
        #expect(!KubernetesStatus(reason: "Conflict", code: 404).isNotFound)
        // Reason-only predicates ignore the code.
        #expect(!KubernetesStatus(reason: "SomethingNew", code: 409).isAlreadyExists)
        #expect(!KubernetesStatus(reason: "SomethingNew", code: 410).isResourceExpired)
        let predicates: [(String, Int, (KubernetesStatus) -> Bool)] = [
            ("Conflict", 409, \.isConflict), ("Gone", 410, \.isGone), ("Invalid", 422, \.isInvalid),
            ("TooManyRequests", 429, \.isTooManyRequests), ("Timeout", 504, \.isTimeout),
            ("InternalError", 500, \.isInternalError), ("ServiceUnavailable", 503, \.isServiceUnavailable),
            ("Unauthorized", 401, \.isUnauthorized), ("Forbidden", 403, \.isForbidden), ("BadRequest", 400, \.isBadRequest),
            ("MethodNotAllowed", 405, \.isMethodNotSupported), ("NotAcceptable", 406, \.isNotAcceptable),
            ("UnsupportedMediaType", 415, \.isUnsupportedMediaType), ("RequestEntityTooLarge", 413, \.isRequestEntityTooLarge),
        ]
        for (reason, code, predicate) in predicates {
            #expect(predicate(KubernetesStatus(reason: reason, code: code)), "\(reason)")
            #expect(predicate(KubernetesStatus(reason: "", code: code)), "code \(code)")
            #expect(!predicate(KubernetesStatus(reason: "NotFound", code: 404)), "\(reason) vs NotFound")
        }
        #expect(KubernetesStatus(reason: "AlreadyExists").isAlreadyExists)
        #expect(KubernetesStatus(reason: "Expired").isResourceExpired)
        #expect(KubernetesStatus(reason: "ServerTimeout").isServerTimeout)
    }

    @Test func clientDelayFollowsSuggestsClientDelay() {
        #expect(KubernetesStatus(reason: "ServerTimeout", details: .init()).suggestsClientDelay == .zero)
        #expect(KubernetesStatus(reason: "TooManyRequests", details: .init(retryAfterSeconds: 3)).suggestsClientDelay == .seconds(3))
        #expect(KubernetesStatus(reason: "TooManyRequests", details: .init()).suggestsClientDelay == nil)
        #expect(KubernetesStatus(reason: "ServerTimeout").suggestsClientDelay == nil)
    }

    @Test func genericResponseDerivesTheReasonFromTheStatus() {
        #expect(KubernetesStatus.genericServerResponse(code: 404).isNotFound)
        #expect(KubernetesStatus.genericServerResponse(code: 429, retryAfterSeconds: 1).suggestsClientDelay == .seconds(1))
        #expect(KubernetesStatus.genericServerResponse(code: 504).isTimeout)
    }

    @Test func causesAreDecoded() throws {
        let body = bytes(#"{"kind":"Status","reason":"Invalid","code":422,"details":{"causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]}}"#)
        let status = try #require(KubernetesStatus.decode(body))
        #expect(status.details?.causes?.first?.field == "spec.containers")
    }
}

@Suite struct S3ErrorTests {
    let classifier = HTTPResponseClassifier()

    private func s3(_ code: String) -> [UInt8] {
        bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>It &amp; failed &#x41;</Message><BucketName>b</BucketName><Key>k</Key><RequestId>R1</RequestId><HostId>H</HostId></Error>")
    }

    @Test(arguments: [
        ("NoSuchKey", 404, "http.notFound"), ("NoSuchBucket", 404, "http.notFound"), ("NoSuchUpload", 404, "http.notFound"),
        ("AccessDenied", 403, "http.forbidden"), ("InvalidAccessKeyId", 403, "http.unauthorized"),
        ("SignatureDoesNotMatch", 403, "http.unauthorized"), ("ExpiredToken", 400, "http.unauthorized"),
        ("SlowDown", 503, "http.throttled"), ("RequestThrottled", 403, "http.throttled"), ("ThrottlingException", 400, "http.throttled"),
        ("RequestTimeout", 400, "http.requestTimeout"), ("InternalError", 500, "http.serverError"),
        ("ServiceUnavailable", 503, "http.unavailable"), ("RequestTimeTooSkewed", 403, "http.clockSkew"),
        ("BucketAlreadyExists", 409, "http.alreadyExists"), ("BucketAlreadyOwnedByYou", 409, "http.alreadyExists"),
        ("PreconditionFailed", 412, "http.preconditionFailed"), ("OperationAborted", 409, "http.conflict"),
        ("NotImplemented", 501, "http.notImplemented"), ("InvalidObjectState", 403, "http.clientError"),
        ("InvalidBucketName", 400, "http.badRequest"), ("SomethingElse", 418, "http.clientError"),
    ])
    func codesWinOverStatus(code: String, status: Int, kind: String) throws {
        let failure = try #require(classifier.classify(status: status, headers: [("Content-Type", "application/xml")], body: s3(code), now: 0))
        #expect(failure.kind.id == kind)
        #expect(failure.api?.format == .s3)
        #expect(failure.api?.code == code)
        #expect(failure.api?.requestID == "R1")
        #expect(failure.api?.message == "It & failed A")
    }

    @Test func requestIdFallsBackToTheHeader() throws {
        let body = bytes("<Error><Code>NoSuchKey</Code></Error>")
        let failure = try #require(classifier.classify(status: 404, headers: [("x-amz-request-id", "HDR")], body: body, now: 0))
        #expect(failure.api?.requestID == "HDR")
    }
}

@Suite struct ProblemDetailsTests {
    @Test func problemJsonIsDecodedWithExtensions() throws {
        let body = bytes(#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your balance is 30.","balance":30,"accounts":["a"]}"#)
        let failure = try #require(HTTPResponseClassifier().classify(status: 403, headers: [("content-type", "application/problem+json")], body: body, now: 0))
        #expect(failure.kind == .httpForbidden)
        #expect(failure.api?.format == .problem)
        #expect(failure.api?.reason == "https://example.com/probs/out-of-credit")
        #expect(failure.api?.message == "Your balance is 30.")
        guard case .problem(let problem)? = APIErrorDecoder().decode(body: body, status: 403, headers: [("content-type", "application/problem+json")])?.error else {
            Issue.record("not a problem document"); return
        }
        #expect(problem.extensions["balance"] == .number(30))
    }
}

@Suite struct HostileBodyTests {
    let classifier = HTTPResponseClassifier()

    static let hostile: [String] = [
        // billion laughs
        #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><Error><Code>&lol2;</Code></Error>"#,
        // external entity
        #"<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><Error><Code>&x;</Code></Error>"#,
        "<Error><Code>NoSuchKey</Code>",  // truncated
        "<Error><Code>NoSuchKey</Cod></Error>",  // mismatched
        String(repeating: "<a>", count: 10_000) + "x" + String(repeating: "</a>", count: 10_000),
        String(repeating: "[", count: 100_000),
        String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000),
        #"{"kind":"Status","reason":"#,
        "<Error><Code>&unknown;</Code></Error>",
        "not a body at all",
    ]

    // By index: Swift Testing prints every argument, and a huge one stalls the runner's event stream.
    @Test(arguments: hostile.indices)
    func hostileBodiesFallBackToTheStatus(index: Int) throws {
        let body = Self.hostile[index]
        let failure = try #require(classifier.classify(status: 404, headers: [], body: Array(body.utf8), now: 0))
        #expect(failure.kind == .httpNotFound)
        #expect(failure.api == nil)
    }

    @Test func invalidUTF8AndOversizedBodiesAreNotDecoded() throws {
        let invalid: [UInt8] = Array("<Error><Code>".utf8) + [0xFF, 0xFE] + Array("</Code></Error>".utf8)
        #expect(classifier.classify(status: 503, headers: [], body: invalid, now: 0)?.api == nil)
        let huge = Array("<Error><Code>SlowDown</Code><Message>".utf8) + Array(repeating: UInt8(ascii: "a"), count: 70_000) + Array("</Message></Error>".utf8)
        let failure = try #require(classifier.classify(status: 503, headers: [], body: huge, now: 0))
        #expect(failure.api == nil)
        #expect(failure.kind == .httpUnavailable)
    }
}
