import ArgumentParser
import Foundation
import NIOCore
import Triage
import TriageS3

/// `triage s3 put FILE s3://BUCKET/KEY`
struct S3PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "Upload a file (multipart above 64 MiB).")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "The file to upload.") var file: String
    @Argument(help: "s3://BUCKET/KEY") var destination: S3Location

    func run() async throws {
        guard !destination.key.isEmpty else { throw ValidationError("the destination needs a key: s3://BUCKET/KEY") }
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let location = destination
        let json = common.json
        try await common.withClient { client in
            let body = ByteBuffer(bytes: data)
            let etag = data.count > 64 << 20
                ? try await client.uploadMultipart(bucket: location.bucket, key: location.key, body: body)
                : try await client.putObject(bucket: location.bucket, key: location.key, body: body)
            if json {
                print(S3Output.object([("key", .string(location.key)), ("outcome", .string("ok")), ("bytes", .int(data.count)),
                                       ("etag", etag.map(S3JSONValue.string))]))
            } else {
                print("uploaded \(data.count) bytes to s3://\(location.bucket)/\(location.key)")
            }
        }
    }
}

/// `triage s3 head s3://BUCKET/KEY`
struct S3HeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "head", abstract: "Show an object's metadata.")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "s3://BUCKET/KEY") var location: S3Location

    func run() async throws {
        let location = location
        let json = common.json
        try await common.withClient { client in
            let head = try await client.headObject(bucket: location.bucket, key: location.key)
            if json {
                print(S3Output.object([("key", .string(location.key)), ("bytes", head.contentLength.map(S3JSONValue.int)),
                                       ("etag", head.etag.map(S3JSONValue.string)), ("content_type", head.contentType.map(S3JSONValue.string)),
                                       ("last_modified", head.lastModified.map(S3JSONValue.string))]))
            } else {
                print(S3Output.redacted("s3://\(location.bucket)/\(location.key): \(head.contentLength ?? 0) bytes, etag \(head.etag ?? "-"), \(head.contentType ?? "-"), \(head.lastModified ?? "-")"))
            }
        }
    }
}

/// `triage s3 rm s3://BUCKET/KEY`
struct S3RmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an object.")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "s3://BUCKET/KEY") var location: S3Location

    func run() async throws {
        let location = location
        let json = common.json
        try await common.withClient { client in
            try await client.deleteObject(bucket: location.bucket, key: location.key)
            print(json ? S3Output.object([("key", .string(location.key)), ("outcome", .string("ok"))]) : "deleted s3://\(location.bucket)/\(location.key)")
        }
    }
}

/// `triage s3 ls s3://BUCKET[/PREFIX]`
struct S3LsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List objects (ListObjectsV2, all pages).")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "s3://BUCKET[/PREFIX]") var location: S3Location

    func run() async throws {
        let location = location
        let json = common.json
        try await common.withClient { client in
            for object in try await client.listAllObjects(bucket: location.bucket, prefix: location.key) {
                if json {
                    print(S3Output.object([("key", .string(object.key)), ("size", .int(object.size)),
                                           ("etag", object.etag.map(S3JSONValue.string)), ("last_modified", object.lastModified.map(S3JSONValue.string))]))
                } else {
                    print(S3Output.redacted("\(object.lastModified ?? "-")  \(String(object.size).leftPadded(to: 12))  \(object.key)"))
                }
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
