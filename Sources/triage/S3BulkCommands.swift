import ArgumentParser
import Foundation
import Triage
import TriageS3

/// `triage s3 put-many DIR s3://BUCKET/PREFIX`
struct S3PutManyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put-many", abstract: "Upload every regular file under DIR (key = PREFIX + relative path), reporting each file.")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "The directory to upload.") var directory: String
    @Argument(help: "s3://BUCKET/PREFIX") var destination: S3Location
    @Flag(inversion: .prefixedNo, help: "Try the files that failed retryably once more at the end.") var retryFailed = true

    func validate() throws { try common.validateConcurrency() }

    func run() async throws {
        let items: [S3UploadItem]
        do { items = try S3UploadItem.files(in: directory, prefix: destination.key) } catch { throw ValidationError("\(error)") }
        let destination = destination
        let concurrency = common.concurrency
        let retry = retryFailed
        let report = try await common.withClient { client in
            await client.putMany(bucket: destination.bucket, items: items, concurrency: concurrency, retryFailed: retry)
        }
        try S3Output.report(report, json: common.json, fileKey: "file")
    }
}

/// `triage s3 rm-many s3://BUCKET/PREFIX`
struct S3RmManyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm-many", abstract: "Delete every object under PREFIX with DeleteObjects, reporting each key.")
    @OptionGroup var common: S3CommonOptions
    @Argument(help: "s3://BUCKET/PREFIX") var location: S3Location
    @Flag(inversion: .prefixedNo, help: "Send the keys that failed retryably once more at the end.") var retryFailed = true

    func validate() throws { try common.validateConcurrency() }

    func run() async throws {
        let location = location
        let concurrency = common.concurrency
        let retry = retryFailed
        let json = common.json
        let report = try await common.withClient { client in
            try await client.deletePrefix(bucket: location.bucket, prefix: location.key, concurrency: concurrency, retryFailed: retry)
        }
        try S3Output.report(report, json: json, fileKey: "key")
    }
}
