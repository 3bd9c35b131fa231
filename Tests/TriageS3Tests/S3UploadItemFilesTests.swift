import Foundation
import Testing
@testable import TriageS3

/// ``S3UploadItem/files(in:prefix:)``: what `triage s3 put-many DIR` uploads.
struct S3UploadItemFilesTests {
    @Test func theRegularFilesUnderADirectoryAreKeyedByTheirRelativePath() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("triage-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: root.appendingPathComponent("a.txt"))
        try Data("b".utf8).write(to: root.appendingPathComponent("sub/b.txt"))
        let items = try S3UploadItem.files(in: root.path, prefix: "up/")
        #expect(items.map(\.key) == ["up/a.txt", "up/sub/b.txt"])
    }

    /// A missing or mistyped DIR is a usage error, not an upload of nothing that exits 0.
    @Test func aMissingDirectoryOrAFileIsRefused() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("triage-missing-\(UUID().uuidString)")
        #expect(throws: S3ConfigurationError.self) { try S3UploadItem.files(in: missing.path, prefix: "") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("triage-file-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: S3ConfigurationError.self) { try S3UploadItem.files(in: file.path, prefix: "") }
    }
}
