import Testing
import Triage
#if canImport(Glibc)
import Glibc
#endif

struct QuotaExceeded: ClassifiableError {
    var failureKind: FailureKind { .httpThrottled }
    var failureRetryAfter: Duration? { .seconds(30) }
}

struct Wrapper: Error { var inner: any Error }
struct Foreign: Error { var code: Int }

@Suite struct ClassifierChainTests {
    @Test func unknownErrorsFailWithTheErrorAttached() {
        let failure = ClassifierChain.core.classify(Foreign(code: 1))
        #expect(failure.kind == .unknown)
        #expect(failure.decision == .fail)
        #expect(failure.underlying is Foreign)
    }

    @Test func cancellationStops() {
        let failure = ClassifierChain.core.classify(CancellationError())
        #expect(failure.kind == .cancelled)
        #expect(failure.decision == .stop)
        #expect(!failure.isRetryable)
    }

    @Test func selfClassifyingErrorsAreAskedFirst() {
        let failure = ClassifierChain.core.classify(QuotaExceeded())
        #expect(failure.kind == .httpThrottled)
        #expect(failure.decision == .retryAfter)
        #expect(failure.retryAfter == .seconds(30))
    }

    @Test func registeredForeignTypesAreClassified() {
        let chain = ClassifierChain.core.registering(Foreign.self) { foreign in
            foreign.code == 7 ? Failure(.connectRefused) : nil
        }
        #expect(chain.classify(Foreign(code: 7)).kind == .connectRefused)
        #expect(chain.classify(Foreign(code: 8)).kind == .unknown)
    }

    @Test func wrappersAreLookedInsideAndTheOuterErrorIsKept() {
        let unwrap = TypedClassifier(Wrapper.self) { _ in nil }
        struct Unwrapping: FailureClassifier {
            func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
                guard let wrapper = error as? Wrapper else { return nil }
                return chain.classifyIfKnown(wrapper.inner)
            }
        }
        let chain = ClassifierChain.core.prepending(Unwrapping()).prepending(unwrap)
        let failure = chain.classify(Wrapper(inner: Wrapper(inner: CancellationError())))
        #expect(failure.kind == .cancelled)
        #expect(failure.underlying is Wrapper)
    }

    @Test func nestingIsBounded() {
        struct Unwrapping: FailureClassifier {
            func classify(_ error: any Error, chain: ClassifierChain) -> Failure? {
                guard let wrapper = error as? Wrapper else { return nil }
                return chain.classifyIfKnown(wrapper.inner)
            }
        }
        var error: any Error = CancellationError()
        for _ in 0..<20 { error = Wrapper(inner: error) }
        #expect(ClassifierChain.core.prepending(Unwrapping()).classify(error).kind == .unknown)
    }
}

@Suite struct ErrnoTests {
    @Test(arguments: [
        (ECONNREFUSED, false, "connect.refused"),
        (ECONNRESET, false, "connection.reset"),
        (EPIPE, false, "connection.reset"),
        (ECONNABORTED, false, "connection.reset"),
        (ENETRESET, false, "connection.reset"),
        (ENOTCONN, false, "connection.closed"),
        (ETIMEDOUT, true, "connect.timeout"),
        (ETIMEDOUT, false, "response.timeout"),
        (ENETUNREACH, false, "network.unreachable"),
        (EHOSTUNREACH, false, "network.unreachable"),
        (ENETDOWN, false, "network.unreachable"),
        (EHOSTDOWN, false, "network.unreachable"),
        (ENONET, false, "network.unreachable"),
        (EADDRNOTAVAIL, false, "network.unreachable"),
        (EINVAL, true, "network.unreachable"),
        (EACCES, true, "network.unreachable"),
        (EPERM, true, "network.unreachable"),
    ] as [(Int32, Bool, String)])
    func errnoMapsToItsKind(code: Int32, duringConnect: Bool, kind: String) throws {
        let failure = try #require(Errno.failure(errno: code, duringConnect: duringConnect))
        #expect(failure.kind.id == kind)
    }

    @Test func aFirewallsRefusalNamesItsOwnNumber() throws {
        #expect(try #require(Errno.failure(errno: EPERM, duringConnect: true)).detail == "EPERM from connect")
        #expect(Errno.failure(errno: EPERM) == nil)
    }

    @Test func invalidArgumentOutsideConnectIsNotANetworkFailure() {
        #expect(Errno.failure(errno: EINVAL) == nil)
        #expect(Errno.failure(errno: EACCES) == nil)
    }

    @Test func resolverResultsSeparateMissingNamesFromBrokenResolvers() {
        #expect(Errno.failure(getaddrinfo: EAI_NONAME).kind == .dnsNotFound)
        #expect(Errno.failure(getaddrinfo: EAI_AGAIN).kind == .dnsFailure)
        #expect(Errno.failure(getaddrinfo: EAI_FAIL).kind == .dnsFailure)
    }
}

@Suite struct FailureModelTests {
    @Test func everyTaxonomyIdIsUniqueAndStable() {
        let ids = FailureKind.allStandard.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.contains("connect.refused"))
        #expect(ids.contains("unknown"))
        #expect(FailureKind.allStandard.count == 58)
    }

    @Test func aRetryAfterTurnsRetryIntoRetryAfter() {
        #expect(Failure(.httpUnavailable).decision == .retry)
        #expect(Failure(.httpUnavailable, retryAfter: .seconds(2)).decision == .retryAfter)
        #expect(Failure(.httpPayloadTooLarge).decision == .fail)
        #expect(Failure(.httpPayloadTooLarge, retryAfter: .seconds(2)).decision == .retryAfter)
        #expect(Failure(.httpNotFound, retryAfter: .seconds(2)).decision == .fail)
    }

    @Test func explanationNamesDetailDecisionAndDelay() {
        let failure = Failure(.httpThrottled, retryAfter: .milliseconds(1500), status: 429, detail: "Retry-After")
        #expect(failure.explanation == "throttled (Retry-After): retryAfter, processed, retry after 1.5 s")
    }

    @Test func kindsDeclaredTwiceAreOneKindAndKeepTheirOwnDefaults() {
        let again = FailureKind(id: "connect.refused", decision: .retry, delivery: .notSent, summary: "connection refused")
        #expect(again == .connectRefused)
        #expect(again.hashValue == FailureKind.connectRefused.hashValue)
        let mine = FailureKind(id: "test.quota", decision: .fail, delivery: .processed, summary: "quota")
        let redeclared = FailureKind(id: "test.quota", decision: .retryAfter, delivery: .notSent, summary: "quota, later")
        #expect(mine == redeclared)
        #expect(mine.defaultDecision == .fail && redeclared.defaultDecision == .retryAfter)
        #expect(redeclared.summary == "quota, later")
        #expect(Set([mine, redeclared, .connectRefused, again]).count == 2)
        #expect(mine != FailureKind(id: "test.quota2", decision: .fail, delivery: .processed, summary: "quota"))
    }

    @Test func customKindsCompareById() {
        let mine = FailureKind(id: "connect.refused", decision: .fail, delivery: .processed, summary: "x")
        #expect(mine == .connectRefused)
        #expect(FailureKind.httpThrottled.family == "http")
        #expect(FailureKind.httpThrottled.isHTTPStatus)
        #expect(!FailureKind.connectRefused.isHTTPStatus)
    }
}
