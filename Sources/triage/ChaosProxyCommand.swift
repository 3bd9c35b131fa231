import ArgumentParser
import Foundation
import TriageChaos

/// `triage chaos proxy`: a ``ChaosProxy`` in front of a loopback upstream, until SIGINT/SIGTERM.
struct ChaosProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Relay TCP on loopback to a loopback upstream, with toxics.",
        discussion: "Only loopback upstreams are allowed. Stops cleanly on SIGINT or SIGTERM."
    )

    @Option(help: "Listen address HOST:PORT (loopback only; port 0 picks a free one).")
    var listen = "127.0.0.1:0"

    @Option(help: "Upstream HOST:PORT (loopback only).")
    var upstream: String

    @Option(help: "Latency added to every chunk, both ways, in milliseconds.")
    var latency = 0

    @Flag(help: "Reset (RST) each connection when the client sends its first bytes.")
    var reset = false

    @Flag(help: "Swallow all bytes both ways and keep connections open.")
    var blackhole = false

    @Option(help: "Split upstream data into pieces of at most this many bytes.")
    var slice: Int?

    @Option(help: "Pause between slices, in milliseconds.")
    var sliceDelay = 0

    @Option(help: "Close both sides after this many bytes came from upstream.")
    var closeAfter: Int?

    @Option(help: "Fraction (0…1) of connections the toxics apply to.")
    var rate = 1.0

    @Option(help: "Random seed for --rate, for reproducible runs.")
    var seed: UInt64?

    @Option(help: "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    var duration: Double?

    func toxics() throws(ChaosScenarioError) -> ProxyToxics {
        var toxics = ProxyToxics()
        toxics.latencyMilliseconds = latency
        toxics.reset = reset
        toxics.blackhole = blackhole
        toxics.sliceBytes = slice
        toxics.sliceDelayMilliseconds = sliceDelay
        toxics.closeAfterBytes = closeAfter
        toxics.rate = rate
        toxics.seed = seed
        return try toxics.validated()
    }

    func validate() throws {
        do {
            let target = try ChaosAddressError.parse(upstream, role: "--upstream")
            let own = try ChaosAddressError.parse(listen, role: "--listen", allowAnyPort: true)
            // A proxy relaying to itself opened connections to itself until it ran out of descriptors.
            let named = { (host: String) in host == "localhost" ? "127.0.0.1" : host }
            if target.port == own.port, named(target.host) == named(own.host) {
                throw ValidationError("--upstream \(upstream) is the proxy's own --listen address")
            }
        } catch let error as ChaosAddressError { throw ValidationError(error.description) }
        do throws(ChaosScenarioError) { _ = try toxics() } catch { throw ValidationError(error.message) }
        if let duration, !(duration > 0 && duration <= 86_400) { throw ValidationError("--duration must be within 0…86400 seconds") }
    }

    func run() async throws {
        let stop = await TerminationSignal()
        let proxy = try await ChaosProxy.start(upstream: upstream, toxics: try toxics(), listen: listen)
        say("chaos proxy listening on \(proxy.host):\(proxy.port) → \(proxy.upstream.host):\(proxy.upstream.port)")
        let signal = try await CommandServiceGroup.run(until: stop, limit: duration, stopping: [{ await proxy.shutdown() }])
        let counts = proxy.connections
        say("stopped\(signal.map { " on signal \($0)" } ?? ""); \(counts.accepted) connections, toxics applied to \(counts.affected)")
    }
}
