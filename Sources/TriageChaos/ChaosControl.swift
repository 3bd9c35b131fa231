import Foundation
import Triage

/// The `/_chaos/` control endpoints of a ``ChaosServer``:
/// - `GET /_chaos/stats`: ``ChaosStats`` as JSON;
/// - `POST /_chaos/reset`: zero the counters (and restart the seeded random sequence), answer the zeroed stats;
/// - `GET /_chaos/scenario`: the scenario as JSON;
/// - `POST` or `PUT /_chaos/scenario`: replace the scenario with the JSON body (fields not given take
///   their defaults); `400` with `{"error": CODE, "message": TEXT}` when it is invalid.
///
/// Requests whose `Host` is not a loopback name (`127.0.0.1`…, `localhost`, `[::1]`, with any port),
/// or whose `Origin` is not a loopback origin, get `403` `{"error":"forbiddenHost"}`: a web page the
/// developer has open must not reconfigure the server, neither by a cross-site form post nor through
/// a DNS-rebound name.
enum ChaosControl {
    static func answer(_ request: ChaosHandler.Request, state: ChaosState,
                       _ respond: (_ status: Int, _ contentType: String, _ body: String) -> Void) {
        let json = "application/json"
        guard let host = request.header("host"), isLoopbackAuthority(host),
              request.header("origin").map(isLoopbackOrigin) ?? true
        else {
            return respond(403, json, #"{"error":"forbiddenHost","message":"the control API answers requests to a loopback host only"}"#)
        }
        switch (request.method, request.path.split(separator: "?").first.map(String.init) ?? "") {
        case ("GET", "/_chaos/stats"):
            respond(200, json, state.stats.json)
        case ("POST", "/_chaos/reset"):
            state.reset()
            respond(200, json, state.stats.json)
        case ("GET", "/_chaos/scenario"):
            respond(200, json, state.scenario.json)
        case ("POST", "/_chaos/scenario"), ("PUT", "/_chaos/scenario"):
            do throws(ChaosScenarioError) {
                let scenario = try ChaosScenario(json: request.body)
                state.update(scenario)
                respond(200, json, scenario.json)
            } catch {
                respond(400, json, #"{"error":"\#(error.code)","message":\#(JSONString.quoted(error.message))}"#)
            }
        case (_, "/_chaos/stats"), (_, "/_chaos/reset"), (_, "/_chaos/scenario"):
            respond(405, json, #"{"error":"methodNotAllowed"}"#)
        default:
            respond(404, json, #"{"error":"notFound","endpoints":["GET /_chaos/stats","POST /_chaos/reset","GET /_chaos/scenario","POST /_chaos/scenario"]}"#)
        }
    }

    /// `HOST[:PORT]` where HOST is `localhost`, an IPv4 address in 127.0.0.0/8, or `[::1]`.
    static func isLoopbackAuthority(_ authority: String) -> Bool {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.dropFirst().allSatisfy(\.isNumber)) else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.lastIndex(of: ":") {
            guard host[host.index(after: colon)...].allSatisfy(\.isNumber) else { return false }
            host = host[..<colon]
        }
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// `http://` or `https://` followed by a loopback authority.
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        for scheme in ["http://", "https://"] where origin.lowercased().hasPrefix(scheme) {
            return isLoopbackAuthority(String(origin.dropFirst(scheme.count)))
        }
        return false
    }
}
