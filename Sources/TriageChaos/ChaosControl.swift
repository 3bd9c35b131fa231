import Foundation
import Triage

/// The `/_chaos/` control endpoints of a ``ChaosServer``:
/// - `GET /_chaos/stats`: ``ChaosStats`` as JSON;
/// - `POST /_chaos/reset`: zero the counters (and restart the seeded random sequence), answer the zeroed stats;
/// - `GET /_chaos/scenario`: the scenario as JSON;
/// - `POST` or `PUT /_chaos/scenario`: replace the scenario with the JSON body (fields not given take
///   their defaults); `400` with `{"error": CODE, "message": TEXT}` when it is invalid.
enum ChaosControl {
    static func answer(_ request: ChaosHandler.Request, state: ChaosState,
                       _ respond: (_ status: Int, _ contentType: String, _ body: String) -> Void) {
        let json = "application/json"
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

}
