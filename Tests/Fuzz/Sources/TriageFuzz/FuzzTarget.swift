import Foundation
import Triage

/// The parsers fuzzed by `scripts/fuzz.sh`, each a function of arbitrary bytes that must neither
/// crash nor take long. The chaos and probe parsers are compiled in from their own source files
/// (the `Chaos-*`, `Kube-*` and `Probe-*` links beside this file), so that the fuzzer needs no NIO.
enum FuzzTarget: String, CaseIterable {
    /// `Retry-After` in every form (seconds, IMF-fixdate, RFC 850, asctime) and milliseconds.
    case retryAfter = "retry-after"
    /// The S3 `<Error>` XML reader.
    case s3XML = "s3-xml"
    /// The API error decoder, under every content type it tells apart (the first byte picks one).
    case apiError = "api-error"
    /// Kubernetes `Status` decoding and the status it makes for a bare response.
    case kubernetesStatus = "kubernetes-status"
    /// A chaos scenario as a JSON body (`POST /_chaos/scenario`).
    case scenarioJSON = "scenario-json"
    /// A chaos scenario file in YAML.
    case scenarioYAML = "scenario-yaml"
    /// A latency spec (`uniform:5-20`, ...).
    case latency
    /// The chaos servers' HTTP request reader, fed in pieces.
    case requestReader = "request-reader"
    /// The probe's URL redaction: whatever the URL, its password never shows.
    case redaction
    /// A Kubernetes watch event line (`WatchEvent(line:)`, the watch supervisor's JSON scanner): an
    /// object it reads has the same metadata and bytes when read again on its own.
    case watchEvent = "watch-event"

    static let contentTypes = ["application/problem+json", "application/json", "application/xml", "text/xml", "text/plain", ""]

    func run(_ bytes: [UInt8]) {
        switch self {
        case .retryAfter:
            let text = String(decoding: bytes, as: UTF8.self)
            if let delay = RetryAfter.parse(text, now: 1_700_000_000) { precondition(delay >= .zero) }
            _ = RetryAfter.parseMilliseconds(text)
        case .s3XML:
            _ = S3ErrorResponse.decode(bytes, requestIDHeader: "REQ")
        case .apiError:
            guard let selector = bytes.first else { return }
            let contentType = Self.contentTypes[Int(selector) % Self.contentTypes.count]
            let status = 400 + Int(selector) % 200
            _ = APIErrorDecoder().decode(body: Array(bytes.dropFirst()), status: status, headers: [("Content-Type", contentType)])
            _ = HTTPResponseClassifier().classify(status: status, headers: [("Content-Type", contentType), ("Retry-After", "1")],
                                                  body: Array(bytes.dropFirst()), now: 1_700_000_000)
        case .kubernetesStatus:
            if let status = KubernetesStatus.decode(bytes) { _ = status.isNotFound || status.isTooManyRequests }
            _ = KubernetesStatus.forResponse(code: 500 + Int(bytes.first ?? 0) % 100, method: "GET", body: bytes, retryAfter: nil)
        case .scenarioJSON:
            if let scenario = try? ChaosScenario(json: bytes) {
                // What GET /_chaos/scenario answers must read back as the same scenario.
                precondition((try? ChaosScenario(json: Array(scenario.json.utf8))) == scenario, "JSON round trip")
            }
        case .scenarioYAML:
            _ = try? ChaosScenario(yaml: String(decoding: bytes, as: UTF8.self))
        case .latency:
            if let latency = try? ChaosLatency(spec: String(decoding: bytes, as: UTF8.self)) {
                precondition((try? ChaosLatency(spec: latency.description)) == latency, "spec round trip")
                _ = latency.milliseconds(0.999, 0.5)
            }
        case .requestReader:
            var reader = HTTPRequestReader(maximumBody: 1024)
            // The first byte sets the piece size, as reads arrive in pieces of any size.
            let piece = max(1, Int(bytes.first ?? 1))
            var rest = bytes.dropFirst()[...]
            while !rest.isEmpty {
                guard reader.append(rest.prefix(piece)) else { return }
                rest = rest.dropFirst(piece)
                while case .request = reader.next() {}
            }
        case .watchEvent:
            guard let event = try? WatchEvent(line: bytes) else { return }
            switch event {
            case .added(let object), .modified(let object), .deleted(let object):
                precondition((try? KubernetesObject(json: object.json)) == object, "an event's object reads back the same")
            case .bookmark, .error: break
            }
        case .redaction:
            let url = String(decoding: bytes, as: UTF8.self)
            let redactor = Redactor(url: url, headers: [])
            let shown = redactor.displayURL(url)
            if let info = URLSecrets.userInfo(in: url) {
                for secret in info.secrets where secret.count >= Redactor.minimumEchoLength {
                    // Bytes, not Foundation's `contains`, which traps on some NUL-holding strings.
                    let shownAgain = Redactor.replacing(Array(secret.utf8), in: Array(shown.utf8)) != nil
                    precondition(!shownAgain || Redactor.replacing(Array(secret.utf8), in: Redactor.maskBytes) != nil,
                                 "a user-info secret was shown")
                }
            }
        }
    }
}
