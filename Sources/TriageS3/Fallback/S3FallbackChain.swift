import Foundation
import Logging
import NIOCore
import Triage

/// Graceful degradation for reads: the primary, else each fallback (another endpoint or bucket), else
/// a local cache directory that every successful read writes (`cacheDirectory/BUCKET/KEY`, BUCKET
/// being the primary's).
///
/// A `NoSuchKey` (any not-found) from the primary is an answer, not an outage: the chain stops there
/// and serves nothing stale, unless ``servesCacheOnMissing`` is `true`. Each step is recorded
/// (``S3FallbackOutcome/attempts``) and logged at debug level.
public struct S3FallbackChain<C: Clock>: Sendable where C.Duration == Duration {
    /// One place an object can come from.
    public struct Source: Sendable {
        /// `primary`, `fallback` or `fallback2`, ...: how outcomes name it.
        public var name: String
        public var client: S3Client<C>
        public var bucket: String

        public init(name: String, client: S3Client<C>, bucket: String) {
            self.name = name
            self.client = client
            self.bucket = bucket
        }
    }

    public var sources: [Source]
    /// Where copies are kept; `nil` turns the cache off.
    public var cacheDirectory: String?
    /// Serve the cache after the primary said the object does not exist (default `false`).
    public var servesCacheOnMissing: Bool
    public var logger: Logger?

    public init(primary: Source, fallbacks: [Source] = [], cacheDirectory: String? = nil, servesCacheOnMissing: Bool = false,
                logger: Logger? = nil) {
        self.sources = [primary] + fallbacks
        self.cacheDirectory = cacheDirectory
        self.servesCacheOnMissing = servesCacheOnMissing
        self.logger = logger
    }

    /// Reads `key`, degrading as the chain says. Never throws: the outcome holds the body and its
    /// source, or every step's failure.
    public func get(key: String, maximumSize: Int = 64 << 20) async -> S3FallbackOutcome {
        var attempts: [S3FallbackAttempt] = []
        let cacheBucket = sources.first?.bucket ?? ""
        for (position, source) in sources.enumerated() {
            do throws(Failure) {
                let object = try await source.client.getObject(bucket: source.bucket, key: key, maximumSize: maximumSize)
                writeCache(bucket: cacheBucket, key: key, body: object.body)
                logger?.debug("s3.fallback.served", metadata: ["s3.source": "\(source.name)", "s3.key": "\(key)"])
                return S3FallbackOutcome(source: source.name, body: object.body, attempts: attempts)
            } catch {
                attempts.append(S3FallbackAttempt(source: source.name, failure: error))
                logger?.debug("s3.fallback.failed", metadata: ["s3.source": "\(source.name)", "s3.key": "\(key)",
                                                               "triage.kind": "\(error.kind.id)"])
                if position == 0, error.s3.isNotFound {
                    guard servesCacheOnMissing else { return S3FallbackOutcome(source: nil, body: nil, attempts: attempts) }
                    break
                }
            }
        }
        if let body = readCache(bucket: cacheBucket, key: key, attempts: &attempts) {
            logger?.debug("s3.fallback.served", metadata: ["s3.source": "cache", "s3.key": "\(key)"])
            return S3FallbackOutcome(source: "cache", body: body, attempts: attempts)
        }
        return S3FallbackOutcome(source: nil, body: nil, attempts: attempts)
    }

    /// `cacheDirectory/bucket/key`, or `nil` for a key that would leave the directory (`..`, absolute).
    public func cachePath(bucket: String, key: String) -> String? {
        guard let cacheDirectory else { return nil }
        let parts = (bucket + "/" + key).split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else { return nil }
        return URL(fileURLWithPath: cacheDirectory).appendingPathComponent(bucket).appendingPathComponent(key).path
    }

    /// Writes the copy beside its final name and renames it over, so a reader never sees half a file.
    func writeCache(bucket: String, key: String, body: ByteBuffer) {
        guard let path = cachePath(bucket: bucket, key: key) else { return }
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
            try Data(body.readableBytesView).write(to: temporary)
            if rename(temporary.path, url.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
        } catch {
            logger?.debug("s3.cache.write_failed", metadata: ["s3.key": "\(key)", "error": "\(error)"])
        }
    }

    func readCache(bucket: String, key: String, attempts: inout [S3FallbackAttempt]) -> ByteBuffer? {
        guard let path = cachePath(bucket: bucket, key: key) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            attempts.append(S3FallbackAttempt(source: "cache", failure: Failure(.httpNotFound, delivery: .notSent, detail: "no cached copy")))
            return nil
        }
        return ByteBuffer(bytes: data)
    }
}

/// How a ``S3FallbackChain`` read ended.
public struct S3FallbackOutcome: Sendable {
    /// The source that served the object (`primary`, `fallback`, ..., `cache`); `nil` when none did.
    public var source: String?
    public var body: ByteBuffer?
    /// Every step that failed before the one that served (or all of them), in order.
    public var attempts: [S3FallbackAttempt]
}

/// One step of a ``S3FallbackChain`` read that did not serve.
public struct S3FallbackAttempt: Sendable {
    public var source: String
    public var failure: Failure
}
