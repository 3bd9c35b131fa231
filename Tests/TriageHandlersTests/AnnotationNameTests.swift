import Foundation
import Testing
@testable import TriageHandlers

@Suite struct AnnotationNameTests {
    @Test func handlerIdsBecomeValidAnnotationNames() {
        #expect(AnnotationProgressStore<ContinuousClock>.annotation(forHandler: "progress") == "triage.dev/progress")
        #expect(AnnotationProgressStore<ContinuousClock>.annotation(forHandler: "parent/child") == "triage.dev/parent.child")
        #expect(AnnotationProgressStore<ContinuousClock>.annotation(forHandler: "/weird id!") == "triage.dev/weird.id")
        let long = String(repeating: "x", count: 80)
        let shortened = AnnotationProgressStore<ContinuousClock>.annotation(forHandler: long)
        #expect(shortened.count - "triage.dev/".count <= 63)
        #expect(shortened != AnnotationProgressStore<ContinuousClock>.annotation(forHandler: long + "y"))
        #expect(AnnotationProgressStore<ContinuousClock>.annotation(forHandler: "///").hasPrefix("triage.dev/h-"))
    }

    @Test func objectPathsAreBuiltFromTheCollection() {
        #expect(KubernetesObjectPath.object(inCollection: "/api/v1/namespaces/default/configmaps", namespace: "default", name: "a")
                == "/api/v1/namespaces/default/configmaps/a")
        #expect(KubernetesObjectPath.object(inCollection: "/apis/example.com/v1/widgets", namespace: "ns", name: "a")
                == "/apis/example.com/v1/namespaces/ns/widgets/a")
        #expect(KubernetesObjectPath.object(inCollection: "/api/v1/nodes/", namespace: nil, name: "n1") == "/api/v1/nodes/n1")
    }
}

/// The progress annotation's JSON carries Kopf's seven fields whatever the state.
@Suite struct HandlerProgressEncodingTests {
    static func keys(_ progress: HandlerProgress) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(progress)
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A success had no `delayed` and no `message` key, a retry no `stopped` (a black-box check).
    @Test func kopfsFieldsAreAlwaysWrittenNullWhereUnset() throws {
        let done = try Self.keys(HandlerProgress(started: Date(timeIntervalSince1970: 0), stopped: Date(timeIntervalSince1970: 1), success: true))
        let retrying = try Self.keys(HandlerProgress(started: Date(timeIntervalSince1970: 0), delayed: Date(timeIntervalSince1970: 5), retries: 1, message: "later"))
        for object in [done, retrying] {
            for key in ["started", "stopped", "delayed", "retries", "success", "failure", "message"] {
                #expect(object.keys.contains(key), "\(key) missing")
            }
            #expect(object["kind"] == nil, "Triage's own optional fields only when set")
        }
        #expect(done["delayed"] is NSNull && done["message"] is NSNull)
        #expect(retrying["stopped"] is NSNull)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let back = try decoder.decode(HandlerProgress.self, from: JSONSerialization.data(withJSONObject: retrying))
        #expect(back.retries == 1 && back.message == "later" && back.stopped == nil)
    }
}
