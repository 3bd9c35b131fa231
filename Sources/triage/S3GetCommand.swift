import ArgumentParser
import Foundation
import NIOCore
import Triage
import TriageS3

/// `triage s3 get s3://BUCKET/KEY [-o FILE] [--fallback-endpoint URL2] [--fallback-bucket B2] [--cache-dir DIR]`
struct S3GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Download an object; with fallbacks, degrade to another endpoint or bucket, then a local cache.")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "s3://BUCKET/KEY") var location: S3Location
    @Option(name: .shortAndLong, help: "Write the object here (default: standard output; with --json, not written).") var output: String?
    @Option(help: "A second endpoint to read from when the primary fails.") var fallbackEndpoint: String?
    @Option(help: "The bucket on the fallback (default: the same bucket).") var fallbackBucket: String?
    @Option(help: "Keep a copy of every object read here (DIR/BUCKET/KEY) and serve it when every endpoint fails.") var cacheDir: String?
    @Flag(help: "Serve the cached copy even when the primary says the object does not exist.") var cacheOnMissing = false

    var degrades: Bool { fallbackEndpoint != nil || fallbackBucket != nil || cacheDir != nil }

    func run() async throws {
        guard !location.key.isEmpty else { throw ValidationError("get needs a key: s3://BUCKET/KEY") }
        let fallbackURL = fallbackEndpoint
        if degrades {
            let fallbackEndpoint = try fallbackURL.map { try common.resolvedEndpoint($0) }
            let credentials = try common.credentials()
            try await common.withClient { primary in
                if let fallbackEndpoint {
                    try await S3Client.withClient(endpoint: fallbackEndpoint, region: common.resolvedRegion, credentials: credentials,
                                                  pipeline: S3CommonOptions.pipeline()) { fallback in
                        try await degrade(primary: primary, fallback: fallback)
                    }
                } else {
                    try await degrade(primary: primary, fallback: fallbackBucket == nil ? nil : primary)
                }
            }
            return
        }
        let location = location
        let json = common.json
        let output = output
        try await common.withClient { client in
            let bytes: Int
            if let output {
                // Streamed to a file beside it (any size; a retried read starts it over), which becomes
                // `output` only when the whole object came: a cut body leaves no partial file behind.
                let partial = output + ".triage-partial"
                do {
                    bytes = try await client.getObject(bucket: location.bucket, key: location.key) { _, body in
                        try await Self.stream(body, to: partial)
                    }
                } catch {
                    try? FileManager.default.removeItem(atPath: partial)
                    throw error
                }
                guard rename(partial, output) == 0 else {
                    try? FileManager.default.removeItem(atPath: partial)
                    throw ValidationError("cannot write \(output)")
                }
            } else {
                let object = try await client.getObject(bucket: location.bucket, key: location.key)
                try write(object.body, json: json, output: nil)
                bytes = object.body.readableBytes
            }
            if json { print(S3Output.object([("source", .string("primary")), ("bytes", .int(bytes)), ("attempts", .raw("[]"))])) }
        }
    }

    private func degrade(primary: S3Client<ContinuousClock>, fallback: S3Client<ContinuousClock>?) async throws {
        var fallbacks: [S3FallbackChain<ContinuousClock>.Source] = []
        if let fallback { fallbacks.append(.init(name: "fallback", client: fallback, bucket: fallbackBucket ?? location.bucket)) }
        let chain = S3FallbackChain<ContinuousClock>(primary: .init(name: "primary", client: primary, bucket: location.bucket), fallbacks: fallbacks,
                                    cacheDirectory: cacheDir, servesCacheOnMissing: cacheOnMissing)
        let outcome = await chain.get(key: location.key)
        let attempts = "[" + outcome.attempts.map { attempt in
            S3Output.object([("source", .string(attempt.source))] + S3Output.failureFields(attempt.failure).filter { ["kind", "code", "status"].contains($0.0) })
        }.joined(separator: ", ") + "]"
        if let body = outcome.body, let source = outcome.source {
            try write(body, json: common.json, output: output)
            if common.json {
                print(S3Output.object([("source", .string(source)), ("bytes", .int(body.readableBytes)), ("attempts", .raw(attempts))]))
            } else {
                for attempt in outcome.attempts { FileHandle.standardError.write(Data("\(attempt.source): \(S3Output.failureLine(attempt.failure))\n".utf8)) }
                FileHandle.standardError.write(Data("served from \(source) (\(body.readableBytes) bytes)\n".utf8))
            }
            return
        }
        if common.json {
            print(S3Output.object([("source", .raw("null")), ("bytes", .int(0)), ("attempts", .raw(attempts))]))
        } else {
            for attempt in outcome.attempts { FileHandle.standardError.write(Data("\(attempt.source): \(S3Output.failureLine(attempt.failure))\n".utf8)) }
        }
        throw ExitCode.failure
    }

    /// Writes `body` to `path` as it arrives (truncating what an earlier attempt wrote); the bytes written.
    static func stream(_ body: S3ResponseBody, to path: String) async throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write \(path)")
        }
        defer { try? handle.close() }
        var written = 0
        for try await chunk in body {
            try handle.write(contentsOf: Data(chunk.readableBytesView))
            written += chunk.readableBytes
        }
        return written
    }

    /// To `output`, else standard output unless the JSON line is what standard output carries.
    private func write(_ body: ByteBuffer, json: Bool, output: String?) throws {
        let data = Data(body.readableBytesView)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: data) else { throw ValidationError("cannot write \(output)") }
        } else if !json {
            FileHandle.standardOutput.write(data)
        }
    }
}
