import Foundation
import Triage

/// How the probe follows a redirect itself, so that it decides which headers go along.
///
/// AsyncHTTPClient drops only `Authorization`, `Proxy-Authorization`, `Cookie` and `Origin` on a
/// cross-origin redirect; an `X-Api-Key` or a header marked `--secret-header` would go to any host a
/// `Location` names. Here every secret header (``Redactor/isSecretHeader(_:)``) is dropped when the
/// next URL has another origin (scheme, host or port) — which includes every https→http downgrade.
/// Methods change as browsers and AsyncHTTPClient change them: `303` turns anything but `HEAD` into
/// `GET`, `301` and `302` turn `POST` into `GET`; the body goes with the method.
struct ProbeRedirect: Sendable {
    /// The most redirects followed (10, as AsyncHTTPClient's default).
    static let maximumRedirects = 10

    var url: String
    var method: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?

    /// The request that follows a `status` response with `location`; `nil` when there is nothing to
    /// follow (no `Location`, or one that is not an http or https URL: the 3xx is the answer, as
    /// AsyncHTTPClient treats it).
    /// - Throws: `redirect.tooMany` after ``maximumRedirects`` or on a cycle.
    func next(status: Int, location: String?, visited: Set<String>, redactor: Redactor) throws(Triage.Failure) -> ProbeRedirect? {
        guard let location, !location.isEmpty else { return nil }
        guard let current = URL(string: url), let target = URL(string: location, relativeTo: current)?.absoluteURL,
              let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https", target.host != nil
        else { return nil }
        let nextURL = target.absoluteString
        guard visited.count <= Self.maximumRedirects else {
            throw Triage.Failure(.redirectTooMany, status: status, detail: "more than \(Self.maximumRedirects) redirects")
        }
        guard !visited.contains(nextURL) else {
            throw Triage.Failure(.redirectTooMany, status: status, detail: "a redirect cycle")
        }
        var next = self
        next.url = nextURL
        let upperMethod = method.uppercased()
        if (status == 303 && upperMethod != "HEAD") || ((status == 301 || status == 302) && upperMethod == "POST") {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { ["content-length", "content-type"].contains($0.name.lowercased()) }
        }
        if !Self.sameOrigin(current, target) {
            next.headers.removeAll { redactor.isSecretHeader($0.name) || $0.name.lowercased() == "origin" }
        }
        return next
    }

    /// Same scheme, host and port (the default port counts as given).
    static func sameOrigin(_ first: URL, _ second: URL) -> Bool {
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : url.scheme?.lowercased() == "http" ? 80 : nil) }
        return first.scheme?.lowercased() == second.scheme?.lowercased() && first.host?.lowercased() == second.host?.lowercased()
            && port(first) == port(second)
    }
}
