import ArgumentParser
import Foundation
import Triage
import TriageS3

/// The flags every `triage s3` subcommand takes.
struct S3CommonOptions: ParsableArguments {
    @Option(help: "S3 endpoint URL (default $AWS_ENDPOINT_URL, else AWS for --region).")
    var endpoint: String?

    @Option(help: "Signing region (default $AWS_REGION, else us-east-1).")
    var region: String?

    @Flag(help: "JSON output.")
    var json = false

    @Option(help: "Requests at once for bulk commands.")
    var concurrency = 8

    var resolvedRegion: String {
        region ?? ProcessInfo.processInfo.environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
    }

    func resolvedEndpoint(_ override: String? = nil) throws -> S3Endpoint {
        if let url = override ?? endpoint ?? ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do { return try S3Endpoint(url: url) } catch { throw ValidationError(error.description) }
        }
        return .aws(region: resolvedRegion)
    }

    func credentials() throws -> S3Credentials {
        guard let credentials = S3Credentials.fromEnvironment() else {
            throw ValidationError("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)")
        }
        S3Output.hideSecrets(of: credentials)
        return credentials
    }

    func validateConcurrency() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 256") }
    }

    /// Runs `body` with a client for `endpoint` (default the common one) and the standard pipeline; a
    /// ``Failure`` out of `body` is printed as s3-cli.md says (a JSON line or `failed: …` on standard
    /// error) and the command exits 1.
    func withClient<T: Sendable>(endpoint override: String? = nil,
                                 _ body: (S3Client<ContinuousClock>) async throws -> T) async throws -> T {
        let endpoint = try resolvedEndpoint(override)
        let credentials = try credentials()
        do {
            return try await S3Client.withClient(endpoint: endpoint, region: resolvedRegion, credentials: credentials, pipeline: Self.pipeline(), body)
        } catch let failure as Failure {
            try S3Output.fail(failure, json: json)
        }
    }

    /// 5 attempts with full jitter 50 ms…2 s, a retry budget, a breaker, a 60 s deadline and 20 s per attempt.
    static func pipeline() -> Pipeline<ContinuousClock> {
        var pipeline = Pipeline.standard
        pipeline.retry = RetryPolicy(maximumAttempts: 5, backoff: Backoff(.fullJitter, base: .milliseconds(50), cap: .seconds(2)))
        pipeline.deadline = .seconds(60)
        pipeline.attemptTimeout = .seconds(20)
        return pipeline
    }
}

/// `s3://BUCKET/KEY` split in two (the key may be empty).
struct S3Location: ExpressibleByArgument, Sendable {
    var bucket: String
    var key: String

    init?(argument: String) {
        guard argument.hasPrefix("s3://") else { return nil }
        let rest = argument.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else {
            guard !rest.isEmpty else { return nil }
            bucket = String(rest)
            key = ""
            return
        }
        bucket = String(rest[..<slash])
        key = String(rest[rest.index(after: slash)...])
        guard !bucket.isEmpty else { return nil }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
