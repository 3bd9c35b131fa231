import Foundation
import Triage
import TriageHTTP

/// How the probe follows a redirect itself, so that it decides which headers go along: the rules of
/// ``HTTPRedirect`` (methods change as AsyncHTTPClient changes them; every secret header, those of
/// ``Redactor/isSecretHeader(_:)``, and `Origin` and `Host` are dropped when the next URL has another
/// origin, which includes every https→http downgrade).
struct ProbeRedirect: Sendable {
    /// The most redirects followed: 10 (AsyncHTTPClient follows 5 by default; a probe shows a longer
    /// chain before it gives up).
    static let maximumRedirects = 10

    var url: String
    var method: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?

    /// The request that follows a `status` response with `location`; `nil` when there is nothing to
    /// follow (``HTTPRedirect/target(_:from:)``).
    /// - Throws: `redirect.tooMany` after ``maximumRedirects`` or on a cycle.
    func next(status: Int, location: String?, visited: Set<String>, redactor: Redactor) throws(Triage.Failure) -> ProbeRedirect? {
        guard let current = URL(string: url), let target = HTTPRedirect.target(location, from: url) else { return nil }
        let nextURL = target.absoluteString
        guard visited.count <= Self.maximumRedirects else {
            throw Triage.Failure(.redirectTooMany, status: status, detail: "more than \(Self.maximumRedirects) redirects")
        }
        guard !visited.contains(nextURL) else {
            throw Triage.Failure(.redirectTooMany, status: status, detail: "a redirect cycle")
        }
        var next = self
        next.url = nextURL
        if HTTPRedirect.becomesGET(status: status, method: method) {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { ["content-length", "content-type"].contains($0.name.lowercased()) }
        }
        if !HTTPRedirect.sameOrigin(current, target) {
            next.headers.removeAll { HTTPRedirect.dropsAcrossOrigins($0.name, secret: redactor.isSecretHeader) }
        }
        return next
    }
}
