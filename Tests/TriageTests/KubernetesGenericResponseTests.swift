import Testing
import Triage

/// apimachinery's fall-back for bodies that are not a Status, and the request-aware classification.
@Suite struct KubernetesGenericResponseTests {
    @Test(arguments: [
        (400, "GET", "BadRequest"), (401, "GET", "Unauthorized"), (403, "GET", "Forbidden"), (404, "GET", "NotFound"),
        (405, "GET", "MethodNotAllowed"), (406, "GET", "NotAcceptable"), (409, "PUT", "Conflict"), (409, "POST", "AlreadyExists"),
        (410, "GET", ""), (413, "PUT", ""), (415, "PUT", "UnsupportedMediaType"), (422, "PUT", "Invalid"),
        (429, "GET", "TooManyRequests"), (500, "GET", "InternalError"), (502, "GET", "InternalError"),
        (503, "GET", "ServiceUnavailable"), (504, "GET", "Timeout"), (418, "GET", ""),
    ] as [(Int, String, String)])
    func theReasonIsDerivedFromTheStatus(code: Int, method: String, reason: String) {
        let status = KubernetesStatus.genericServerResponse(code: code, method: method)
        #expect(status.reason == reason)
        #expect(status.code == code)
        #expect(status.status == "Failure")
    }

    @Test func unknownReasonsFallBackToTheCode() {
        #expect(KubernetesStatus.genericServerResponse(code: 410).isGone)
        #expect(KubernetesStatus.genericServerResponse(code: 413).isRequestEntityTooLarge)
        #expect(!KubernetesStatus.genericServerResponse(code: 418).isBadRequest)
    }

    @Test func tooManyRequestsAndTooLargeMatchTheCodeWhateverTheReason() {
        #expect(KubernetesStatus(reason: "Forbidden", code: 429).isTooManyRequests)
        #expect(KubernetesStatus(reason: "Forbidden", code: 413).isRequestEntityTooLarge)
        #expect(!KubernetesStatus(reason: "Forbidden", code: 404).isNotFound)
    }

    @Test func serverMessagesAreKeptWhereApimachineryKeepsThem() {
        #expect(KubernetesStatus.genericServerResponse(code: 403, serverMessage: "user x cannot get pods").message == "user x cannot get pods")
        #expect(KubernetesStatus.genericServerResponse(code: 502, serverMessage: "upstream")
            .message == #"an error on the server ("upstream") has prevented the request from succeeding"#)
        #expect(KubernetesStatus.genericServerResponse(code: 406).message?.contains("content type") == true)
    }

    @Test func aNonStatusBodyOfAKubernetesServer() throws {
        let classifier = HTTPResponseClassifier()
        let kubernetes = HTTPRequestContext(method: "GET", isKubernetes: true)
        let text = Array("Too many requests, please try again later.".utf8)
        let failure = try #require(classifier.classify(status: 429, headers: [("Retry-After", "4")], body: text, now: 0, request: kubernetes))
        #expect(failure.kubernetesStatus?.reason == "TooManyRequests")
        #expect(failure.kubernetesStatus?.details?.retryAfterSeconds == 4)
        #expect(failure.retryAfter == .seconds(4))
        #expect(failure.api?.format == .kubernetes)
        // Not a Kubernetes server: a plain-text body is not an API error.
        #expect(classifier.classify(status: 429, headers: [], body: text, now: 0)?.api == nil)
    }

    @Test func goneIsAnExpiredWatchOnlyOnAWatch() throws {
        let classifier = HTTPResponseClassifier()
        let body = Array(#"{"kind":"Status","status":"Failure","reason":"Gone","code":410,"message":"gone"}"#.utf8)
        let plain = try #require(classifier.classify(status: 410, headers: [], body: body, now: 0, request: HTTPRequestContext()))
        #expect(plain.kind == .httpGone)
        let watch = try #require(classifier.classify(status: 410, headers: [], body: body, now: 0, request: HTTPRequestContext(isWatch: true)))
        #expect(watch.kind == .watchExpired)
        #expect(watch.decision == .relist)
        let bare = try #require(classifier.classify(status: 410, headers: [], body: [], now: 0,
                                                    request: HTTPRequestContext(isWatch: true, isKubernetes: true)))
        #expect(bare.kind == .watchExpired)
    }

    @Test func watchURLs() {
        #expect(HTTPRequestContext.isWatch(url: "http://h/api/v1/pods?watch=true&resourceVersion=5"))
        #expect(HTTPRequestContext.isWatch(url: "http://h/api/v1/pods?resourceVersion=5&watch=1"))
        #expect(!HTTPRequestContext.isWatch(url: "http://h/api/v1/watch/pods"))
        #expect(!HTTPRequestContext.isWatch(url: "http://h/api/v1/pods?watch=false"))
    }

    @Test func theTypedDocumentIsKeptForEveryFormat() throws {
        let classifier = HTTPResponseClassifier()
        let s3 = try #require(classifier.classify(status: 404, headers: [], body: Array("<Error><Code>NoSuchKey</Code><Key>k</Key></Error>".utf8), now: 0))
        #expect(s3.s3Error?.key == "k")
        #expect(s3.kubernetesStatus == nil)
        let problem = try #require(classifier.classify(status: 400, headers: [("Content-Type", "application/problem+json")],
                                                       body: Array(#"{"type":"urn:x","title":"t","instance":"/a/1","extra":[1]}"#.utf8), now: 0))
        #expect(problem.problemDetails?.instance == "/a/1")
        #expect(problem.problemDetails?.extensions["extra"] == .array([.number(1)]))
    }

    static let hostile: [[UInt8]] = [
        Array(#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><Status>&lol;</Status>"#.utf8),
        Array(String(repeating: "[", count: 200_000).utf8),
        [0xC3, 0x28, 0xFF, 0xFE, 0x7B],
        Array(#"{"kind":"Status","reason":"NotFound","code":"#.utf8),
        Array(repeating: 0x7B, count: 70_000),
    ]

    // By index: Swift Testing prints every argument, and a 200 000-element body printed as one event
    // line has stalled the runner's event stream.
    @Test(arguments: hostile.indices)
    func hostileBodiesOfAKubernetesServerFallBackToTheStatus(index: Int) throws {
        let body = Self.hostile[index]
        let context = HTTPRequestContext(method: "GET", isKubernetes: true)
        let failure = try #require(HTTPResponseClassifier().classify(status: 404, headers: [], body: body, now: 0, request: context))
        #expect(failure.kind == .httpNotFound)
        #expect(failure.kubernetesStatus?.reason == "NotFound")
        #expect(failure.kubernetesStatus?.message == "the server could not find the requested resource")
    }
}
