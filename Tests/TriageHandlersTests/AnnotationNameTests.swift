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
