import Foundation
import Triage

extension S3Client {
    /// Deletes `keys` with `DeleteObjects`, up to 1 000 a request and at most `concurrency` (default 8)
    /// requests at once. A key S3 refuses (its `<Error>` entry) fails alone; a request that fails for
    /// good fails its keys. When `retryFailed` (default `true`), keys that failed retryably are sent
    /// once more after the rest, inside the retry budget. Never throws.
    public func deleteMany(bucket: String, keys: [String], concurrency: Int = 8, retryFailed: Bool = true) async -> S3BulkReport {
        var items = keys.map { S3BulkItem(name: $0, key: $0, attempts: 0) }
        let position = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let everything = Array(keys.indices)
        await deleteBatches(everything, bucket: bucket, items: &items, position: position, concurrency: concurrency, retried: false)
        if retryFailed {
            let again = items.indices.filter { items[$0].failure?.isWorthASecondPass == true }.filter { _ in
                pipeline.takeRetry()
            }
            await deleteBatches(again, bucket: bucket, items: &items, position: position, concurrency: concurrency, retried: true)
        }
        return S3BulkReport(items: items)
    }

    /// Every object under `prefix`, deleted as ``deleteMany(bucket:keys:concurrency:retryFailed:)`` does;
    /// a listing that fails is thrown (nothing was deleted past what the report holds).
    public func deletePrefix(bucket: String, prefix: String, concurrency: Int = 8, retryFailed: Bool = true) async throws(Failure) -> S3BulkReport {
        let keys = try await listAllObjects(bucket: bucket, prefix: prefix).map(\.key)
        return await deleteMany(bucket: bucket, keys: keys, concurrency: concurrency, retryFailed: retryFailed)
    }

    private func deleteBatches(_ indices: [Int], bucket: String, items: inout [S3BulkItem], position: [String: Int],
                               concurrency: Int, retried: Bool) async {
        let batches = stride(from: 0, to: indices.count, by: Self.maximumKeysPerDelete).map {
            Array(indices[$0..<min($0 + Self.maximumKeysPerDelete, indices.count)])
        }
        let keys = items.map(\.key)
        let outcomes = await withTaskGroup(of: [(Int, Failure?)].self) { group in
            var collected: [(Int, Failure?)] = []
            var next = 0
            func start() {
                let batch = batches[next]
                next += 1
                group.addTask {
                    do throws(Failure) {
                        let result = try await self.deleteObjects(bucket: bucket, keys: batch.map { keys[$0] })
                        var outcomes: [(Int, Failure?)] = batch.map { ($0, nil) }
                        let requestID: String? = nil
                        for error in result.errors {
                            if let index = position[error.key] {
                                outcomes.append((index, error.failure(bucket: bucket, requestID: requestID)))
                            }
                        }
                        return outcomes
                    } catch {
                        return batch.map { ($0, error) }
                    }
                }
            }
            while next < min(batches.count, max(1, concurrency)) { start() }
            while let outcomes = await group.next() {
                collected += outcomes
                if next < batches.count { start() }
            }
            return collected
        }
        for index in indices {
            items[index].attempts += 1
            items[index].failure = nil
            if retried { items[index].retried = true }
        }
        // A key's error entry comes after its batch's "nil", so it wins.
        for (index, failure) in outcomes where failure != nil { items[index].failure = failure }
    }
}
