import Testing
import Triage

@Suite struct HTTPResponseClassifierTests {
    let classifier = HTTPResponseClassifier()

    @Test(arguments: [
        (400, "http.badRequest", Decision.fail), (401, "http.unauthorized", .fail), (403, "http.forbidden", .fail),
        (404, "http.notFound", .fail), (405, "http.methodNotAllowed", .fail), (408, "http.requestTimeout", .retry),
        (409, "http.conflict", .refresh), (410, "http.gone", .fail), (412, "http.preconditionFailed", .refresh),
        (413, "http.payloadTooLarge", .fail), (415, "http.unsupportedMediaType", .fail), (422, "http.invalid", .fail),
        (425, "http.tooEarly", .retry), (429, "http.throttled", .retry), (418, "http.clientError", .fail),
        (500, "http.serverError", .retry), (501, "http.notImplemented", .fail), (505, "http.notImplemented", .fail),
        (502, "http.badGateway", .retry), (503, "http.unavailable", .retry), (504, "http.gatewayTimeout", .retry),
        (599, "http.serverError", .retry),
    ] as [(Int, String, Decision)])
    func everyStatusRow(status: Int, kind: String, decision: Decision) throws {
        let failure = try #require(classifier.classify(status: status, headers: [], body: nil, now: 0))
        #expect(failure.kind.id == kind)
        #expect(failure.decision == decision)
        #expect(failure.delivery == .processed)
        #expect(failure.status == status)
    }

    @Test(arguments: [100, 200, 204, 301, 304, 399])
    func successAndRedirectsAreNotFailures(status: Int) {
        #expect(classifier.classify(status: status, headers: [], body: nil, now: 0) == nil)
    }

    @Test func retryAfterTurnsThrottlingIntoRetryAfter() throws {
        let failure = try #require(classifier.classify(status: 429, headers: [("retry-AFTER", "3")], body: nil, now: 0))
        #expect(failure.decision == .retryAfter)
        #expect(failure.retryAfter == .seconds(3))
        let large = try #require(classifier.classify(status: 413, headers: [("Retry-After", "5")], body: nil, now: 0))
        #expect(large.decision == .retryAfter)
    }

    @Test func hostileDelaysAreCapped() throws {
        let failure = try #require(classifier.classify(status: 503, headers: [("Retry-After", "99999999999")], body: nil, now: 0))
        #expect(failure.retryAfter == classifier.maximumRetryAfter)
        let garbage = try #require(classifier.classify(status: 503, headers: [("Retry-After", "tomorrow-ish")], body: nil, now: 0))
        #expect(garbage.retryAfter == nil)
        #expect(garbage.decision == .retry)
    }

    @Test func amazonRetryAfterHeaderIsRead() throws {
        let failure = try #require(classifier.classify(status: 503, headers: [("x-amz-retry-after", "250")], body: nil, now: 0))
        #expect(failure.retryAfter == .milliseconds(250))
    }
}
