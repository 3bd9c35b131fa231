/// What ``HTTPResponseClassifier`` may know about the request a response answers.
public struct HTTPRequestContext: Sendable, Hashable {
    /// The request method, upper case (default `"GET"`).
    public var method: String
    /// The request was a watch (Kubernetes `?watch=true`): a `Gone` then means the resume point is too
    /// old (`watch.expired`, decision `relist`). Default `false`.
    public var isWatch: Bool
    /// The server is a Kubernetes API server: an error body that is not a Status is read as client-go
    /// does (``KubernetesStatus/genericServerResponse(code:method:serverMessage:retryAfterSeconds:)``).
    /// Default `false`.
    public var isKubernetes: Bool

    public init(method: String = "GET", isWatch: Bool = false, isKubernetes: Bool = false) {
        self.method = method
        self.isWatch = isWatch
        self.isKubernetes = isKubernetes
    }

    /// `true` when the URL's query asks for a watch (`watch=true`, `watch=1`).
    public static func isWatch(url: String) -> Bool {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        return query.split(separator: "&").contains { $0 == "watch=true" || $0 == "watch=1" || $0 == "watch" }
    }
}
