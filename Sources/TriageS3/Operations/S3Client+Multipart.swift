import NIOCore
import Triage

/// How large objects are uploaded in parts.
public struct S3MultipartOptions: Sendable, Hashable {
    /// Bytes per part (default 8 MiB; S3's minimum is 5 MiB except for the last part).
    public var partSize: Int
    /// Parts in flight at once (default 4).
    public var concurrency: Int

    public init(partSize: Int = 8 << 20, concurrency: Int = 4) {
        self.partSize = partSize
        self.concurrency = concurrency
    }

    public static var defaults: S3MultipartOptions { S3MultipartOptions() }
}

extension S3Client {
    /// Uploads `body` in parts: `CreateMultipartUpload`, `UploadPart` for each `partSize` slice with
    /// at most `concurrency` in flight (each part retried alone by the pipeline), then
    /// `CompleteMultipartUpload`. When any part fails for good the upload is aborted
    /// (`AbortMultipartUpload`, so no parts are left billed) and that part's failure is thrown.
    ///
    /// - Returns: the object's ETag.
    @discardableResult
    public func uploadMultipart(bucket: String, key: String, body: ByteBuffer,
                                options: S3MultipartOptions = .defaults) async throws(Failure) -> String? {
        guard options.partSize > 0, options.concurrency > 0 else {
            throw Failure(.httpBadRequest, delivery: .notSent, detail: "part size and concurrency must be positive")
        }
        let created = S3RequestSpec(operation: .createMultipartUpload, method: "POST", bucket: bucket, key: key, query: [("uploads", "")])
        let uploadID = try await send(created) { response -> String in
            let text = Substring(String(buffer: try await response.body.collect(upTo: 1 << 20)))
            guard let id = S3XML.value("UploadId", in: text), !id.isEmpty else {
                throw Failure(.responseMalformed, delivery: .processed, detail: "no UploadId in CreateMultipartUpload's answer")
            }
            return id
        }
        do throws(Failure) {
            let etags = try await uploadParts(bucket: bucket, key: key, uploadID: uploadID, body: body, options: options)
            var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            for (index, etag) in etags.enumerated() {
                xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(XMLText.escaped(etag))</ETag></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let complete = S3RequestSpec(operation: .completeMultipartUpload, method: "POST", bucket: bucket, key: key,
                                         query: [("uploadId", uploadID)], headers: [("Content-Type", "application/xml")],
                                         body: ByteBuffer(string: xml))
            let client = self
            return try await send(complete) { response in
                let body = try await client.failIfErrorDocument(response)
                return S3XML.value("ETag", in: Substring(String(buffer: body)))
            }
        } catch {
            let abort = S3RequestSpec(operation: .abortMultipartUpload, method: "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)])
            _ = try? await send(abort) { _ in () }
            throw error
        }
    }

    /// Every part's ETag, in part order.
    private func uploadParts(bucket: String, key: String, uploadID: String, body: ByteBuffer,
                             options: S3MultipartOptions) async throws(Failure) -> [String] {
        let size = body.readableBytes
        let count = max(1, (size + options.partSize - 1) / options.partSize)
        let client = self
        let result: Result<[String], Failure> = await withTaskGroup(of: (Int, Result<String, Failure>).self) { group in
            var etags = [String?](repeating: nil, count: count)
            var next = 0
            func start(_ index: Int) {
                let offset = index * options.partSize
                let part = body.getSlice(at: body.readerIndex + offset, length: min(options.partSize, size - offset)) ?? ByteBuffer()
                let spec = S3RequestSpec(operation: .uploadPart, method: "PUT", bucket: bucket, key: key,
                                         query: [("partNumber", String(index + 1)), ("uploadId", uploadID)], body: part)
                group.addTask {
                    do throws(Failure) {
                        let etag = try await client.send(spec) { response in response.header("ETag") ?? "" }
                        return (index, .success(etag))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(count, options.concurrency) { start(next); next += 1 }
            while let (index, outcome) = await group.next() {
                switch outcome {
                case .success(let etag):
                    etags[index] = etag
                    if next < count { start(next); next += 1 }
                case .failure(let failure):
                    group.cancelAll()
                    return .failure(failure)
                }
            }
            return .success(etags.map { $0 ?? "" })
        }
        return try result.get()
    }
}
