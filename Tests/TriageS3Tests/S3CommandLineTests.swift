import Foundation
import NIOCore
import Testing
import TriageChaos
import TriageTestSupport
@testable import TriageS3

/// `triage s3 ...` as outside checks run it: the built binary against moto with signature checking on.
/// Prefixes end in `-`, not `/`: moto refuses a signed query with an encoded `/` (see ``S3MotoClientTests``).
@Suite(.enabled("python3 with moto[server] is not installed (scripts/install-test-deps.sh installs it)") { await MotoServer.isAvailable() })
struct S3CommandLineTests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triage")
    }

    static let bucket = "triage-cli"

    static func run(_ moto: AuthenticatedMoto, _ arguments: [String]) async throws -> ChildProcess.Result {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the triage product first")
        let environment = ["AWS_ACCESS_KEY_ID=\(moto.credentials.accessKeyID)", "AWS_SECRET_ACCESS_KEY=\(moto.credentials.secretAccessKey)",
                           "AWS_ENDPOINT_URL=\(moto.moto.url)", "AWS_REGION=us-east-1"]
        let result = try await ChildProcess.run("/usr/bin/env", environment + [binary.path, "s3"] + arguments)
        #expect(!result.stdout.contains(moto.credentials.secretAccessKey) && !result.stderr.contains(moto.credentials.secretAccessKey),
                "the secret is never printed")
        return result
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    @Test func theCommandsFollowTheContract() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triage-s3-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (path, text) in [("up/a.txt", "alpha"), ("up/sub/b.txt", "bravo"), ("up/denied/c.txt", "charlie"), ("one.txt", "single")] {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let policy = MotoIAM.policy(allowingS3ExceptPrefix: "up-denied/", bucket: Self.bucket, deniedActions: ["s3:PutObject"])
        try await AuthenticatedMoto.with(policy: policy) { moto in
            try await moto.withClient { s3 in try await s3.createBucket(Self.bucket) }
            let put = try await Self.run(moto, ["put", directory.appendingPathComponent("one.txt").path, "s3://\(Self.bucket)/one.txt"])
            #expect(put.status == 0, "\(put.stderr)")
            let out = directory.appendingPathComponent("got.txt").path
            let get = try await Self.run(moto, ["get", "s3://\(Self.bucket)/one.txt", "-o", out])
            #expect(get.status == 0 && FileManager.default.contents(atPath: out) == Data("single".utf8))
            let head = try Self.jsonLines(try await Self.run(moto, ["head", "--json", "s3://\(Self.bucket)/one.txt"]).stdout)
            #expect(head.first?["bytes"] as? Int == 6)

            let missing = try await Self.run(moto, ["get", "s3://\(Self.bucket)/nope.txt"])
            #expect(missing.status == 1)
            for part in ["http.notFound", "code=NoSuchKey", "status=404", "request_id="] { #expect(missing.stderr.contains(part), "\(missing.stderr)") }
            let missingJSON = try Self.jsonLines(try await Self.run(moto, ["get", "--json", "s3://\(Self.bucket)/nope.txt"]).stdout)
            #expect(missingJSON.first?["kind"] as? String == "http.notFound" && missingJSON.first?["code"] as? String == "NoSuchKey")

            let many = try await Self.run(moto, ["put-many", "--json", "--concurrency", "2", directory.appendingPathComponent("up").path, "s3://\(Self.bucket)/up-"])
            #expect(many.status == 1, "a denied file fails the run")
            let lines = try Self.jsonLines(many.stdout)
            let files = lines.dropLast()
            #expect(Set(files.compactMap { $0["key"] as? String }) == ["up-a.txt", "up-sub/b.txt", "up-denied/c.txt"])
            let denied = try #require(files.first { $0["key"] as? String == "up-denied/c.txt" })
            #expect(denied["outcome"] as? String == "failed" && denied["code"] as? String == "AccessDenied" && denied["status"] as? Int == 403)
            #expect(denied["kind"] as? String == "http.forbidden" && denied["file"] as? String == "denied/c.txt")
            #expect(files.filter { $0["outcome"] as? String == "ok" }.count == 2)
            let summary = try #require(lines.last?["summary"] as? [String: Any])
            #expect(summary["ok"] as? Int == 2 && summary["failed"] as? Int == 1 && summary["retried"] as? Int == 0)
            #expect(many.stdout.split(separator: "\n").first?.hasPrefix("{\"file\": ") == true, "the contract's key order")

            let listed = try Self.jsonLines(try await Self.run(moto, ["ls", "--json", "s3://\(Self.bucket)/up-"]).stdout)
            #expect(listed.compactMap { $0["key"] as? String } == ["up-a.txt", "up-sub/b.txt"])

            // The bucket's policy refuses deletes under up-sub/: DeleteObjects reports that key alone.
            let policy = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::triage-cli/up-sub/*"}]}"#
            try await moto.withClient { s3 in try await s3.putBucketPolicy(Self.bucket, policy: policy) }
            let removed = try await Self.run(moto, ["rm-many", "--json", "s3://\(Self.bucket)/up-"])
            #expect(removed.status == 1, "a refused key fails the run")
            let removedLines = try Self.jsonLines(removed.stdout)
            #expect(removedLines.last?["summary"] as? [String: Int] == ["ok": 1, "failed": 1, "retried": 0])
            let refused = try #require(removedLines.first { $0["outcome"] as? String == "failed" })
            #expect(refused["key"] as? String == "up-sub/b.txt" && refused["code"] as? String == "AccessDenied" && refused["file"] == nil)
            #expect(try await Self.run(moto, ["rm", "s3://\(Self.bucket)/one.txt"]).status == 0)
            #expect(try await Self.run(moto, ["ls", "s3://\(Self.bucket)"]).stdout.contains("up-sub/b.txt"))
        }
    }

    @Test func getDegradesToTheFallbackThenTheCache() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("triage-s3-cli-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        try await AuthenticatedMoto.with { moto in
            try await moto.withClient { s3 in
                try await s3.createBucket(Self.bucket)
                try await s3.putObject(bucket: Self.bucket, key: "k.txt", body: ByteBuffer(string: "value"))
            }
            let closed = "http://127.0.0.1:\(try LoopbackSockets.closedPort())"
            let fallback = try Self.jsonLines(try await Self.run(moto, ["get", "--json", "s3://\(Self.bucket)/k.txt", "--endpoint", closed,
                                                                       "--fallback-endpoint", moto.moto.url, "--cache-dir", cache]).stdout)
            #expect(fallback.first?["source"] as? String == "fallback")
            #expect(fallback.first?["bytes"] as? Int == 5)
            let steps = try #require(fallback.first?["attempts"] as? [[String: Any]])
            #expect(steps.first?["source"] as? String == "primary" && steps.first?["kind"] as? String == "connect.refused")

            let cached = try Self.jsonLines(try await Self.run(moto, ["get", "--json", "s3://\(Self.bucket)/k.txt", "--endpoint", closed,
                                                                     "--fallback-endpoint", closed, "--cache-dir", cache]).stdout)
            #expect(cached.first?["source"] as? String == "cache")
            #expect((cached.first?["attempts"] as? [[String: Any]])?.compactMap { $0["source"] as? String } == ["primary", "fallback"])

            let stale = try await Self.run(moto, ["get", "--json", "s3://\(Self.bucket)/gone.txt", "--fallback-endpoint", closed, "--cache-dir", cache])
            #expect(stale.status == 1, "nothing is served for a key the primary does not have")
        }
    }

}

/// `triage s3 get -o FILE` against a loopback server that breaks its responses (no moto needed).
struct S3GetFileCommandLineTests {
    static var binary: URL { S3CommandLineTests.binary }

    /// A body cut short left its first bytes in the file, with exit 1: a reader of FILE could not tell.
    @Test func aGetWhoseBodyIsCutShortLeavesNoFile() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the triage product first")
        try await FaultServer.with(.truncatedBody(declared: 100, sent: 3)) { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triage-get-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("object").path
            let environment = ["AWS_ACCESS_KEY_ID=AKIDCUT", "AWS_SECRET_ACCESS_KEY=cut-secret", "AWS_REGION=us-east-1"]
            let result = try await ChildProcess.run("/usr/bin/env", environment + [Self.binary.path, "s3", "get", "--endpoint", server.url(),
                                                                                    "s3://b/k", "-o", file])
            #expect(result.status == 1, "\(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "no partial file, and no file")
        }
    }
}
