import AsyncHTTPClient
import Foundation
import NIOCore
import Triage
import TriageChaos
import TriageS3
import TriageTestSupport

/// The S3 part of `triage demo`: a few uploads to moto through a proxy that resets a third of the
/// connections, each file's outcome and the partial-failure summary. Skipped (said so) without moto.
enum S3Demo {
    static func run() async {
        print("\nS3: put-many of 12 files to moto through a proxy that resets 1 connection in 3, one prefix denied.")
        guard await MotoServer.isAvailable() else {
            print("  skipped: moto is not installed (scripts/install-test-deps.sh installs it)")
            return
        }
        do {
            try await MotoServer.with(environment: MotoIAM.authenticatingEnvironment) { moto in
                let key = try await MotoIAM.createUser(on: moto, policy: MotoIAM.policy(allowingS3ExceptPrefix: "demo/private/", bucket: "demo"))
                let credentials = S3Credentials(accessKeyID: key.accessKeyID, secretAccessKey: key.secretAccessKey)
                try await S3Client.withClient(endpoint: S3Endpoint(scheme: "http", host: "127.0.0.1", port: moto.port), credentials: credentials) {
                    try await $0.createBucket("demo")
                }
                var toxics = ProxyToxics()
                toxics.reset = true
                toxics.rate = 1.0 / 3
                toxics.seed = 3
                let proxy = try await ChaosProxy.start(upstream: "127.0.0.1:\(moto.port)", toxics: toxics)
                var configuration = S3Client.httpConfiguration()
                configuration.maximumUsesPerConnection = 1
                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                let client = S3Client(endpoint: S3Endpoint(scheme: "http", host: "127.0.0.1", port: proxy.port), credentials: credentials,
                                      pipeline: S3CommonOptions.pipeline(), transport: S3HTTPClientTransport(httpClient: httpClient))
                let items = (1...12).map { index in
                    let key = index % 6 == 0 ? "demo/private/\(index).txt" : "demo/public/\(index).txt"
                    return S3UploadItem(name: "\(index).txt", key: key) { ByteBuffer(string: "file \(index)\n") }
                }
                let report = await client.putMany(bucket: "demo", items: items, concurrency: 4)
                try? await httpClient.shutdown()
                await proxy.shutdown()
                for item in report.items {
                    let outcome = item.failure.map { S3Output.failureLine($0) } ?? "ok"
                    print("  \(item.key.padding(toLength: 24, withPad: " ", startingAt: 0)) attempts \(item.attempts)  \(outcome)")
                }
                print("  summary: \(report.succeeded) ok, \(report.failed) failed, \(report.attempts) requests for \(report.items.count) files (\(report.retried) tried again in a second pass); \(proxy.connections.affected) of \(proxy.connections.accepted) connections reset")
            }
        } catch {
            print("  S3 demo could not run: \(error)")
        }
    }
}
