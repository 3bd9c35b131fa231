import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import Triage
import TriageChaos
import TriageS3
import TriageTestSupport

extension BenchCommand {
    /// `triage bench s3`: `put-many` of small objects against moto, Triage beside boto3 in the same run,
    /// then both through a proxy that resets a share of connections.
    struct S3: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "s3", abstract: "put-many throughput against moto, TriageS3 beside boto3, clean and under connection resets.")

        @Option(help: "Objects per run.") var objects = 1_000
        @Option(help: "Uploads in flight.") var concurrency = 8
        @Option(help: "Share of proxied connections reset, 0...1.") var resetRate = 0.1
        @Option(help: "Bytes per object.") var size = 1_024
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1...100_000).contains(objects) else { throw ValidationError("--objects must be 1...100000") }
            guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1...256") }
            guard (0...1).contains(resetRate) else { throw ValidationError("--reset-rate must be 0...1") }
        }

        func run() async throws {
            guard await MotoServer.isAvailable() else {
                print("moto is not installed (scripts/install-test-deps.sh installs it)")
                throw ExitCode.failure
            }
            let rows = try await MotoServer.with { moto in try await BenchS3.run(moto: moto, options: self) }
            if json {
                print("[" + rows.map(\.json).joined(separator: ", ") + "]")
            } else {
                print("put-many of \(objects) objects of \(size) B at concurrency \(concurrency) against moto (same run):")
                for row in rows { print("  " + row.line) }
            }
        }
    }
}

/// The measurements behind `triage bench s3`.
enum BenchS3 {
    struct Row {
        var client: String
        var scenario: String
        var seconds: Double
        var ok: Int
        var objects: Int
        var requests: Int?

        var objectsPerSecond: Double { Double(ok) / seconds }
        var line: String {
            let perObject = requests.map { String(format: "%.3f requests/object", Double($0) / Double(objects)) } ?? "requests/object n/a"
            return "\(client.padding(toLength: 8, withPad: " ", startingAt: 0)) \(scenario.padding(toLength: 14, withPad: " ", startingAt: 0)) "
                + String(format: "%8.1f objects/s  success %6.2f %%  ", objectsPerSecond, 100 * Double(ok) / Double(objects)) + perObject
        }
        var json: String {
            S3Output.object([("client", .string(client)), ("scenario", .string(scenario)), ("seconds", .raw(String(format: "%.3f", seconds))),
                             ("objects", .int(objects)), ("ok", .int(ok)), ("requests", requests.map(S3JSONValue.int))])
        }
    }

    static func run(moto: MotoServer, options: BenchCommand.S3) async throws -> [Row] {
        let credentials = S3Credentials(accessKeyID: "AKIABENCH", secretAccessKey: "bench-secret")
        let direct = S3Endpoint(scheme: "http", host: "127.0.0.1", port: moto.port)
        try await S3Client.withClient(endpoint: direct, credentials: credentials) { s3 in try await s3.createBucket("bench") }
        var toxics = ProxyToxics()
        toxics.reset = true
        toxics.rate = options.resetRate
        toxics.seed = 2_026
        let proxy = try await ChaosProxy.start(upstream: "127.0.0.1:\(moto.port)", toxics: toxics)
        defer { Task { await proxy.shutdown() } }
        let proxied = S3Endpoint(scheme: "http", host: "127.0.0.1", port: proxy.port)
        var rows: [Row] = []
        // Warm both up, then alternate, so neither runs only on a moto that is still warming or already full.
        _ = try await triage(direct, credentials, options, prefix: "warm/", perConnection: false)
        _ = try await boto3(moto.url, options, prefix: "warm-boto/")
        rows.append(try await triage(direct, credentials, options, prefix: "clean/", perConnection: false))
        rows.append(try await boto3(moto.url, options, prefix: "clean-boto/"))
        rows.append(try await triage(proxied, credentials, options, prefix: "resets/", perConnection: true))
        rows.append(try await boto3("http://127.0.0.1:\(proxy.port)", options, prefix: "resets-boto/"))
        return rows
    }

    /// `putMany` with the CLI's pipeline; `perConnection` gives each request its own connection, so
    /// the proxy's reset rate is a rate of requests.
    static func triage(_ endpoint: S3Endpoint, _ credentials: S3Credentials, _ options: BenchCommand.S3, prefix: String,
                       perConnection: Bool) async throws -> Row {
        var configuration = S3Client.httpConfiguration()
        if perConnection { configuration.maximumUsesPerConnection = 1 }
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var pipeline = S3CommonOptions.pipeline()
        pipeline.breaker = nil  // a bench of resets must not measure the breaker's pauses
        let client = S3Client(endpoint: endpoint, credentials: credentials, pipeline: pipeline, transport: S3HTTPClientTransport(httpClient: httpClient))
        let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: options.size)
        let items = (0..<options.objects).map { index in S3UploadItem(name: "\(index)", key: "\(prefix)\(index)") { body } }
        let started = ContinuousClock.now
        let report = await client.putMany(bucket: "bench", items: items, concurrency: options.concurrency)
        let elapsed = (ContinuousClock.now - started).triageSeconds
        try await httpClient.shutdown()
        return Row(client: "triage", scenario: perConnection ? "resets \(Int(options.resetRate * 100)) %" : "clean",
                   seconds: elapsed, ok: report.succeeded, objects: options.objects, requests: report.attempts)
    }

    static let boto3Script = #"""
    import sys, time, boto3, concurrent.futures
    from botocore.config import Config
    endpoint, objects, concurrency, size, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='AKIABENCH',
                      aws_secret_access_key='bench-secret', config=Config(max_pool_connections=concurrency))
    requests = [0]
    s3.meta.events.register('before-send.s3.PutObject', lambda **kw: requests.__setitem__(0, requests[0] + 1))
    body = b'x' * size
    def put(i):
        try:
            s3.put_object(Bucket='bench', Key=f'{prefix}{i}', Body=body)
            return True
        except Exception:
            return False
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        ok = sum(pool.map(put, range(objects)))
    print(time.monotonic() - start, ok, requests[0])
    """#

    /// boto3 with its default retry mode (legacy, 5 attempts), the same objects, threads as concurrency.
    static func boto3(_ endpoint: String, _ options: BenchCommand.S3, prefix: String) async throws -> Row {
        let result = try await Python.run(boto3Script, arguments: [endpoint, String(options.objects), String(options.concurrency), String(options.size), prefix])
        let parts = result.output.split(whereSeparator: \.isWhitespace)
        guard result.status == 0, parts.count == 3, let seconds = Double(parts[0]), let ok = Int(parts[1]), let requests = Int(parts[2]) else {
            throw ValidationError("boto3 failed: \(result.error.suffix(300))")
        }
        return Row(client: "boto3", scenario: prefix.hasPrefix("resets") ? "resets \(Int(options.resetRate * 100)) %" : "clean",
                   seconds: seconds, ok: ok, objects: options.objects, requests: requests)
    }
}
