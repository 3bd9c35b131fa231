import Yams

extension ChaosScenario {
    /// Parses a YAML mapping of the scenario's fields with Yams (full YAML: comments, quoted or plain
    /// scalars, flow or block lists, anchors; CRLF line ends).
    ///
    /// ```yaml
    /// error_rate: 0.2
    /// error_status: 503
    /// retry_after: "1"
    /// latency: uniform:5-20
    /// faults:
    ///   - reset
    ///   - stall
    /// ```
    /// An empty document is the default scenario. A document of more than ``maximumYAMLNodes`` nodes
    /// (anchors and aliases count each time they are used) is refused before it is decoded.
    /// - Throws: ``ChaosScenarioError``, with the field and its line when it names one (`malformed`
    ///   for text that is not YAML, with the line and column Yams reports).
    public init(yaml text: String) throws(ChaosScenarioError) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ChaosScenarioError(.malformed, "not valid YAML: \(error)")
        }
        guard let node else {
            self.init()
            return
        }
        var budget = Self.maximumYAMLNodes
        guard Self.fits(node, budget: &budget) else {
            throw ChaosScenarioError(.malformed, "more than \(Self.maximumYAMLNodes) YAML nodes")
        }
        do {
            self = try YAMLDecoder().decode(ChaosScenario.self, from: node)
        } catch var error as ChaosScenarioError {
            if let field = error.field, let key = node.mapping?.first(where: { $0.key.string == field })?.key {
                error.line = key.mark?.line
            }
            throw error
        } catch {
            throw ChaosScenarioError(.malformed, "not a scenario: \(Self.reason(error))")
        }
    }

    /// The most YAML nodes a scenario may have: 1,024 (a scenario has a dozen fields and short lists).
    static let maximumYAMLNodes = 1_024

    /// Counts `node`'s nodes against `budget`, stopping as soon as it is spent (an alias bomb expands
    /// exponentially, so counting must not finish).
    private static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias: return true
        case .mapping(let mapping):
            for (key, value) in mapping where !fits(key, budget: &budget) || !fits(value, budget: &budget) { return false }
            return true
        case .sequence(let sequence):
            for item in sequence where !fits(item, budget: &budget) { return false }
            return true
        }
    }
}
