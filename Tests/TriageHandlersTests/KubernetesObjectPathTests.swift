import Testing
@testable import TriageHandlers

/// The paths the runner writes to: a hostile name from the server must not move a write elsewhere
/// (`a/b?c=d#e` sent a status patch to the main resource; `../../etc` climbed the path).
@Suite struct KubernetesObjectPathTests {
    @Test func namesArePercentEncodedSegments() {
        #expect(KubernetesObjectPath.object(inCollection: "/api/v1/namespaces/ns/configmaps", namespace: "ns", name: "a")
                == "/api/v1/namespaces/ns/configmaps/a")
        #expect(KubernetesObjectPath.object(inCollection: "/apis/g/v1/widgets", namespace: "n s", name: "system:node@1")
                == "/apis/g/v1/namespaces/n%20s/widgets/system:node@1")
        #expect(KubernetesObjectPath.object(inCollection: "/apis/g/v1/widgets", namespace: nil, name: "a?c=d#e")
                == "/apis/g/v1/widgets/a%3Fc%3Dd%23e")
    }

    @Test(arguments: ["", ".", "..", "a/b", "../../etc", "50%"])
    func namesThatCannotBeASegmentAreNotAddressable(name: String) {
        #expect(!KubernetesObjectPath.isAddressable(HandlerObject(namespace: "ns", name: name)))
        #expect(!KubernetesObjectPath.isAddressable(HandlerObject(namespace: name.isEmpty ? "/" : name, name: "ok")))
    }

    @Test func ordinaryNamesAreAddressable() {
        #expect(KubernetesObjectPath.isAddressable(HandlerObject(namespace: nil, name: "node-1.example")))
        #expect(KubernetesObjectPath.isAddressable(HandlerObject(namespace: "default", name: "system:controller")))
    }
}
