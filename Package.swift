// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Triage",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11)],
    products: [
        .library(name: "Triage", targets: ["Triage"]),
        .library(name: "TriageNIO", targets: ["TriageNIO"]),
        .library(name: "TriageHTTP", targets: ["TriageHTTP"]),
        .library(name: "TriageFoundation", targets: ["TriageFoundation"]),
        .library(name: "TriageChaos", targets: ["TriageChaos"]),
        .library(name: "TriageTestKit", targets: ["TriageTestKit"]),
        .library(name: "TriageProbe", targets: ["TriageProbe"]),
        .library(name: "TriageHandlers", targets: ["TriageHandlers"]),
        .library(name: "TriageHandlersSQLite", targets: ["TriageHandlersSQLite"]),
        .library(name: "TriageS3", targets: ["TriageS3"]),
        .library(name: "TriageKubernetes", targets: ["TriageKubernetes"]),
        .library(name: "TriageOutbox", targets: ["TriageOutbox"]),
        .library(name: "TriageOutboxSQLite", targets: ["TriageOutboxSQLite"]),
        .library(name: "TriageOutboxPostgres", targets: ["TriageOutboxPostgres"]),
        .executable(name: "triage", targets: ["triage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "Triage",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "TriageNIO",
            dependencies: [
                "Triage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "TriageHTTP",
            dependencies: [
                "Triage",
                "TriageNIO",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "TriageFoundation", dependencies: ["Triage"]),
        .target(
            name: "TriageChaos",
            dependencies: [
                "Triage",
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(name: "TriageTestKit", dependencies: ["Triage"]),
        .target(
            name: "TriageHandlers",
            dependencies: [
                "Triage", "TriageKubernetes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "TriageHandlersSQLite",
            dependencies: [
                "TriageHandlers",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TriageS3",
            dependencies: [
                "Triage", "TriageHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            // What only tests use: moto and other test servers, child processes.
            name: "TriageTestSupport",
            dependencies: [
                "Triage", "TriageChaos",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // Tooling the `triage` executable uses and no product sells: the virtual-time simulations, and
        // the benchmarks, load driver and SVG plots.
        .target(name: "TriageSimulation", dependencies: ["Triage", "TriageTestKit"]),
        .target(
            name: "TriageBench",
            dependencies: [
                "Triage", "TriageHTTP", "TriageChaos", "TriageSimulation", "TriageProbe",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TriageProbe",
            dependencies: [
                "Triage", "TriageNIO", "TriageHTTP", "TriageChaos",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "TriageOutbox",
            dependencies: [
                "Triage", "TriageNIO", "TriageHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "TriageOutboxSQLite",
            dependencies: [
                "Triage", "TriageOutbox",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TriageOutboxPostgres",
            dependencies: [
                "Triage", "TriageOutbox",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // libFuzzer targets, built by scripts/fuzz.sh with -sanitize=fuzzer,address (a plain build
        // compiles them as a library that nothing links).
        .target(name: "TriageFuzz", dependencies: ["Triage", .product(name: "Yams", package: "Yams")], path: "Tests/Fuzz/Sources/TriageFuzz"),
        .executableTarget(
            name: "triage",
            dependencies: [
                "Triage", "TriageProbe", "TriageBench", "TriageChaos", "TriageSimulation", "TriageS3", "TriageTestSupport",
                "TriageOutbox", "TriageOutboxSQLite", "TriageOutboxPostgres",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "TriageKubernetes", "TriageHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "TriageHandlers",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TriageTests",
            dependencies: [
                "Triage", "TriageTestKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "TriageHandlersTests",
            dependencies: ["TriageTestSupport", "TriageHandlers", "TriageHandlersSQLite", "TriageKubernetes", "TriageChaos", "TriageTestKit"]
        ),
        .testTarget(
            name: "TriageOutboxTests",
            dependencies: ["TriageTestSupport", 
                "TriageOutbox", "TriageOutboxSQLite", "TriageOutboxPostgres", "TriageTestKit", "TriageChaos", "TriageHTTP", "Triage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TriageSimulationTests", dependencies: ["TriageSimulation", "TriageTestKit"]),
        .testTarget(name: "TriageProbeTests", dependencies: ["TriageTestSupport", "TriageProbe", "TriageBench", "TriageChaos", "TriageSimulation"]),
        .testTarget(
            name: "TriageChaosTests",
            dependencies: ["TriageTestSupport", 
                "TriageChaos", "TriageHTTP", "TriageProbe", "TriageBench",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TriageHTTPTests",
            dependencies: [
                "TriageHTTP", "TriageChaos", "TriageTestKit", "TriageProbe", "TriageTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TriageS3Tests",
            dependencies: [
                "TriageS3", "TriageHTTP", "TriageChaos", "TriageTestKit", "TriageTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "TriageLabTests",
            dependencies: ["TriageTestSupport", 
                "Triage", "TriageNIO", "TriageHTTP", "TriageFoundation", "TriageChaos",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "TriageKubernetes",
            dependencies: [
                "Triage", "TriageHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "TriageKubernetesTests",
            dependencies: ["TriageTestSupport", 
                "TriageKubernetes", "TriageChaos", "TriageTestKit", "TriageHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
