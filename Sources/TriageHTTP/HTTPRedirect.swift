import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// How a redirect is followed when Triage follows it itself, so that it decides which headers go along
/// (``ResilientHTTPClientOptions/maximumRedirects``, and `triage probe`).
///
/// AsyncHTTPClient drops only `Authorization`, `Proxy-Authorization`, `Cookie` and `Origin` on a
/// cross-origin redirect: an `X-Api-Key` would go to any host a `Location` names. Here every secret
/// header is dropped when the next URL has another origin (scheme, host or port), which includes every
/// https→http downgrade. Methods change as browsers and AsyncHTTPClient change them: `303` turns
/// anything but `HEAD` into `GET`, `301` and `302` turn `POST` into `GET`; the body goes with the method.
public enum HTTPRedirect {
    /// Whether `status` is a redirect that names where to go (301, 302, 303, 307, 308).
    public static func isRedirect(_ status: Int) -> Bool {
        [301, 302, 303, 307, 308].contains(status)
    }

    /// The absolute http or https URL `location` names from `url`; `nil` when there is none to follow
    /// (no `Location`, or one that is not an http or https URL: the 3xx is then the answer, as
    /// AsyncHTTPClient treats it).
    public static func target(_ location: String?, from url: String) -> URL? {
        guard let location, !location.isEmpty, let current = URL(string: url),
              let target = URL(string: location, relativeTo: current)?.absoluteURL,
              let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https", target.host != nil
        else { return nil }
        return target
    }

    /// Whether a `status` redirect turns `method` into a GET without a body.
    public static func becomesGET(status: Int, method: String) -> Bool {
        let method = method.uppercased()
        return (status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST")
    }

    /// Same scheme, host and port (the default port counts as given).
    public static func sameOrigin(_ first: URL, _ second: URL) -> Bool {
        func port(_ url: URL) -> Int? {
            url.port ?? (url.scheme?.lowercased() == "https" ? 443 : url.scheme?.lowercased() == "http" ? 80 : nil)
        }
        return first.scheme?.lowercased() == second.scheme?.lowercased() && first.host?.lowercased() == second.host?.lowercased()
            && port(first) == port(second)
    }

    /// Whether the header `name` is left out when a redirect leads to another origin: the `secret` ones,
    /// `Origin`, and `Host`, which names the old origin (a client may set it, as KubernetesClient does for
    /// tls-server-name).
    package static func dropsAcrossOrigins(_ name: String, secret: (String) -> Bool) -> Bool {
        secret(name) || ["origin", "host"].contains(name.lowercased())
    }

    /// The request that follows a `status` response with `location` to `request`, or `nil` when there is
    /// nothing to follow; `secret` names the headers dropped across origins (with `Origin` and `Host`).
    static func next(_ request: HTTPClientRequest, status: Int, location: String?, secret: (String) -> Bool) -> HTTPClientRequest? {
        guard let target = target(location, from: request.url), let current = URL(string: request.url) else { return nil }
        var next = request
        next.url = target.absoluteString
        if becomesGET(status: status, method: request.method.rawValue) {
            next.method = .GET
            next.body = nil
            next.headers.remove(name: "Content-Length")
            next.headers.remove(name: "Content-Type")
        }
        if !sameOrigin(current, target) {
            let dropped = next.headers.map(\.name).filter { dropsAcrossOrigins($0, secret: secret) }
            for name in dropped { next.headers.remove(name: name) }
        }
        return next
    }
}
