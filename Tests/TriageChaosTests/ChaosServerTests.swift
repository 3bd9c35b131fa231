import Foundation
import Testing
import TriageChaos
import TriageHTTP

/// The chaos server on real loopback sockets: counters, control endpoints, seeded error rates,
/// capacity, error bodies.
@Suite struct ChaosServerTests {
    @Test func countsAndResets() async throws {
        try await ChaosServer.with { server in
            try await ChaosTestClient.with { http in
                for _ in 0..<5 { #expect(try await http.send(server.url("/x")).status == 200) }
                let stats = try await http.send(server.url("/_chaos/stats"))
                let decoded = try #require(ChaosStats(json: Array(stats.body.utf8)))
                #expect(decoded.requests == 5)
                #expect(decoded.byStatus == [200: 5])
                #expect(decoded.concurrentPeak == 1)
                let object = try #require(JSONSerialization.jsonObject(with: Data(stats.body.utf8)) as? [String: Any])
                #expect(Set(object.keys).isSuperset(of: ["requests", "by_status", "concurrent_peak"]))

                #expect(try await http.send(server.url("/_chaos/reset"), method: "POST").status == 200)
                #expect(server.stats.requests == 0)
                #expect(server.stats.byStatus.isEmpty)
                #expect(try await http.send(server.url("/_chaos/nothing")).status == 404)
                #expect(try await http.send(server.url("/_chaos/stats"), method: "DELETE").status == 405)
            }
        }
    }

    /// 100 sequential requests at 30 %: the same seed gives the same count, and the count is near 30.
    @Test func seededErrorRateIsReproducible() async throws {
        var scenario = ChaosScenario()
        scenario.errorRate = 0.3
        scenario.errorStatus = 502
        scenario.seed = 42
        let counts = try await ChaosServer.with(scenario) { server in
            try await ChaosTestClient.with { http in
                var counts: [Int] = []
                for _ in 0..<2 {
                    server.resetStats()
                    for _ in 0..<100 { _ = try await http.send(server.url("/")) }
                    counts.append(server.stats.byStatus[502, default: 0])
                    #expect(server.stats.byStatus[200, default: 0] + server.stats.byStatus[502, default: 0] == 100)
                }
                return counts
            }
        }
        #expect(counts[0] == counts[1])
        #expect((15...45).contains(counts[0]))
    }

    /// Two stalled requests hold both slots; the third is rejected with the capacity status at once.
    @Test func capacityRejectsTheExcess() async throws {
        var scenario = ChaosScenario()
        scenario.capacity = 2
        scenario.faultRate = 1
        scenario.faults = [.stall]
        scenario.capacityStatus = 429
        scenario.retryAfter = ["3"]
        try await ChaosServer.with(scenario) { server in
            try await ChaosTestClient.with(readTimeout: .seconds(4)) { stalling in
                async let first = stalling.failure(of: server.url("/a"))
                async let second = stalling.failure(of: server.url("/b"))
                for _ in 0..<200 where server.stats.concurrentPeak < 2 { try await Task.sleep(for: .milliseconds(10)) }
                try await ChaosTestClient.with { http in
                    let rejected = try await http.send(server.url("/c"))
                    #expect(rejected.status == 429)
                    #expect(rejected.headers.contains { $0.name == "Retry-After" && $0.value == "3" })
                    let failure = try #require(await http.failure(of: server.url("/d")))
                    #expect(failure.kind == .httpThrottled)
                    #expect(failure.retryAfter == .seconds(3))
                }
                #expect(await first?.kind == .responseTimeout)
                #expect(await second?.kind == .responseTimeout)
                #expect(server.stats.concurrentPeak == 2)
                #expect(server.stats.requests == 4)
                #expect(server.stats.byStatus == [429: 2])
                #expect(server.stats.faults == [.stall: 2])
            }
        }
    }

    @Test func capacityWaitQueues() async throws {
        var scenario = ChaosScenario()
        scenario.capacity = 1
        scenario.overCapacity = .wait
        scenario.latency = .fixed(milliseconds: 10)
        try await ChaosServer.with(scenario) { server in
            try await ChaosTestClient.with { http in
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 { group.addTask { try await http.send(server.url("/")).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses == [200, 200, 200, 200])
                #expect(server.stats.concurrentPeak == 1)
            }
        }
    }

    @Test func retryAfterAndKubernetesBody() async throws {
        var scenario = ChaosScenario()
        scenario.errorRate = 1
        scenario.errorStatus = 429
        scenario.retryAfter = ["2"]
        scenario.errorBody = .kubernetes
        try await ChaosServer.with(scenario) { server in
            try await ChaosTestClient.with { http in
                let response = try await http.send(server.url("/api/v1/pods"))
                #expect(response.status == 429)
                #expect(response.headers.contains { $0.name.lowercased() == "retry-after" && $0.value == "2" })
                #expect(response.body.contains(#""reason":"TooManyRequests""#))
                let failure = try #require(await http.failure(of: server.url("/api/v1/pods")))
                #expect(failure.kind == .httpThrottled)
                #expect(failure.retryAfter == .seconds(2))
                #expect(failure.api != nil)
            }
        }
    }

    @Test func s3SlowDownIsThrottling() async throws {
        var scenario = ChaosScenario()
        scenario.errorRate = 1
        scenario.errorStatus = 503
        scenario.errorBody = .s3
        try await ChaosServer.with(scenario) { server in
            try await ChaosTestClient.with { http in
                let failure = try #require(await http.failure(of: server.url("/bucket/key")))
                #expect(failure.status == 503)
                #expect(failure.kind == .httpThrottled)
            }
        }
    }

    @Test func scenarioChangesAtRunTime() async throws {
        try await ChaosServer.with { server in
            try await ChaosTestClient.with { http in
                #expect(try await http.send(server.url("/")).status == 200)
                let posted = try await http.send(server.url("/_chaos/scenario"), method: "POST", body: #"{"error_rate": 1, "error_status": 500}"#)
                #expect(posted.status == 200)
                #expect(try await http.send(server.url("/")).status == 500)
                #expect(server.scenario.errorStatus == 500)
                let invalid = try await http.send(server.url("/_chaos/scenario"), method: "POST", body: #"{"error_rate": 7}"#)
                #expect(invalid.status == 400)
                #expect(invalid.body.contains("outOfRange"))
                try server.update(ChaosScenario())
                #expect(try await http.send(server.url("/")).status == 200)
            }
        }
    }

    @Test func refusesNonLoopbackAddresses() async {
        await #expect(throws: ChaosAddressError.self) { _ = try await ChaosServer.start(host: "0.0.0.0") }
    }
}
