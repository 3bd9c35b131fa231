import Foundation
import NIOCore
import Triage

extension FailureKind {
    /// `s3.localReadFailed`: a bulk upload could not read an item's bytes (a file vanished or is
    /// unreadable); nothing was sent. Default decision `fail`, delivery `notSent`.
    public static let s3LocalReadFailed = FailureKind(id: "s3.localReadFailed", decision: .fail, delivery: .notSent,
                                                      summary: "could not read the local data to upload")
}

/// One object for ``S3Client/putMany(bucket:items:concurrency:retryFailed:)``: its key and how to read its bytes.
public struct S3UploadItem: Sendable {
    public var name: String
    public var key: String
    /// Reads the body; called once per pass (errors fail the item, classified, without a request).
    public var read: @Sendable () throws -> ByteBuffer

    public init(name: String, key: String, read: @escaping @Sendable () throws -> ByteBuffer) {
        self.name = name
        self.key = key
        self.read = read
    }

    /// The regular files under `directory` (recursively, sorted), keyed `prefix` + relative path.
    /// Throws ``S3ConfigurationError`` when `directory` is missing or not a directory (Foundation's
    /// enumerator would list nothing, and an upload of nothing would look like success).
    public static func files(in directory: String, prefix: String) throws -> [S3UploadItem] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw S3ConfigurationError("\(directory) is not a directory")
        }
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw S3ConfigurationError("cannot read directory \(directory)")
        }
        var items: [S3UploadItem] = []
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count).drop { $0 == "/" })
            let path = url.path
            items.append(S3UploadItem(name: relative, key: prefix + relative) {
                ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
            })
        }
        return items.sorted { $0.key < $1.key }
    }
}

extension S3Client {
    /// Uploads `items` with at most `concurrency` (default 8) requests at once; each item is retried by
    /// the pipeline, and when `retryFailed` (default `true`) the items that still failed retryably are
    /// tried once more after the rest, each second try taking a token from the pipeline's retry budget
    /// (a refused token leaves the item failed). Never throws: every item's outcome is in the report.
    public func putMany(bucket: String, items: [S3UploadItem], concurrency: Int = 8, retryFailed: Bool = true) async -> S3BulkReport {
        await bulk(names: items.map { ($0.name, $0.key) }, concurrency: concurrency, retryFailed: retryFailed) { (index: Int, counter: S3AttemptCounter) async throws(Failure) in
            let body: ByteBuffer
            do { body = try items[index].read() } catch {
                throw Failure(.s3LocalReadFailed, underlying: S3OperationContext(operation: .putObject, bucket: bucket, key: items[index].key, cause: error),
                              detail: "cannot read \(items[index].name)")
            }
            let spec = S3RequestSpec(operation: .putObject, method: "PUT", bucket: bucket, key: items[index].key, body: body, attempts: counter)
            try await self.send(spec) { _ in () }
        }
    }

    /// Downloads `keys` with at most `concurrency` at once, handing each body to `store` (which may be
    /// called again for an item whose body was cut short). Outcomes as ``putMany(bucket:items:concurrency:retryFailed:)``.
    public func getMany(bucket: String, keys: [String], concurrency: Int = 8, retryFailed: Bool = true,
                        store: @escaping @Sendable (String, ByteBuffer) throws -> Void) async -> S3BulkReport {
        await bulk(names: keys.map { ($0, $0) }, concurrency: concurrency, retryFailed: retryFailed) { (index: Int, counter: S3AttemptCounter) async throws(Failure) in
            let key = keys[index]
            let spec = S3RequestSpec(operation: .getObject, method: "GET", bucket: bucket, key: key, attempts: counter)
            try await self.send(spec) { response in try store(key, try await response.body.collect(upTo: 1 << 30)) }
        }
    }

    /// Runs `work` for each item, bounded, then the second pass.
    func bulk(names: [(name: String, key: String)], concurrency: Int, retryFailed: Bool,
              _ work: @escaping @Sendable (Int, S3AttemptCounter) async throws(Failure) -> Void) async -> S3BulkReport {
        var items = names.map { S3BulkItem(name: $0.name, key: $0.key, attempts: 0) }
        let first = await runBounded(Array(items.indices), concurrency: concurrency, work)
        for (index, outcome) in first {
            items[index].attempts = outcome.attempts
            items[index].failure = outcome.failure
        }
        guard retryFailed else { return S3BulkReport(items: items) }
        let again = items.indices.filter { items[$0].failure?.isWorthASecondPass == true }.filter { _ in
            pipeline.takeRetry()
        }
        let second = await runBounded(again, concurrency: concurrency, work)
        for (index, outcome) in second {
            items[index].retried = true
            items[index].attempts += outcome.attempts
            items[index].failure = outcome.failure
        }
        return S3BulkReport(items: items)
    }

    /// `work` for each of `indices`, at most `concurrency` at once: each index's attempts and failure.
    func runBounded(_ indices: [Int], concurrency: Int,
                    _ work: @escaping @Sendable (Int, S3AttemptCounter) async throws(Failure) -> Void) async -> [Int: (attempts: Int, failure: Failure?)] {
        await withTaskGroup(of: (Int, Int, Failure?).self) { group in
            var results: [Int: (attempts: Int, failure: Failure?)] = [:]
            var next = 0
            func start() {
                let index = indices[next]
                next += 1
                group.addTask {
                    let counter = S3AttemptCounter()
                    do throws(Failure) {
                        try await work(index, counter)
                        return (index, counter.value, nil)
                    } catch {
                        return (index, counter.value, error)
                    }
                }
            }
            while next < min(indices.count, max(1, concurrency)) { start() }
            while let (index, attempts, failure) = await group.next() {
                results[index] = (attempts, failure)
                if next < indices.count { start() }
            }
            return results
        }
    }
}
