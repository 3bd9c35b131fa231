import NIOCore
import Testing
@testable import TriageS3

struct S3EndpointTests {
    @Test(arguments: [
        ("http://127.0.0.1:9000", "photos", "a b/c.txt", "127.0.0.1:9000", "/photos/a%20b/c.txt"),
        ("http://localhost:9000/", "photos", "k", "localhost:9000", "/photos/k"),
        ("http://[::1]:9000", "photos", "k", "[::1]:9000", "/photos/k"),
        ("https://s3.eu-west-1.amazonaws.com", "photos", "k+1", "photos.s3.eu-west-1.amazonaws.com", "/k%2B1"),
        ("https://s3.eu-west-1.amazonaws.com", "my.dotted.bucket", "k", "s3.eu-west-1.amazonaws.com", "/my.dotted.bucket/k"),
        ("https://s3.example.com:443", "photos", "", "photos.s3.example.com", "/"),
    ])
    func addressing(url: String, bucket: String, key: String, authority: String, path: String) throws {
        let address = try S3Endpoint(url: url).address(bucket: bucket, key: key)
        #expect(address.authority == authority)
        #expect(address.path == path)
    }

    @Test(arguments: ["127.0.0.1:9000", "ftp://host", "http://host/path", "http://user@host", "http://host:0", "http://host:x", "http://"])
    func badEndpointsAreTypedErrors(url: String) {
        #expect(throws: S3ConfigurationError.self) { try S3Endpoint(url: url) }
    }

    @Test func listAndDeleteDocumentsParse() throws {
        let list = try S3ListPage.parse(ByteBuffer(string: """
            <ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a &amp; b</Key><Size>3</Size><ETag>&quot;e1&quot;</ETag></Contents>\
            <Contents><Key>c</Key><Size>0</Size></Contents><KeyCount>2</KeyCount><NextContinuationToken>t/1=</NextContinuationToken></ListBucketResult>
            """))
        #expect(list.objects.map(\.key) == ["a & b", "c"])
        #expect(list.objects.first?.etag == "\"e1\"")
        #expect(list.nextContinuationToken == "t/1=")
        let deleted = S3DeleteObjectsResult.parse(ByteBuffer(string: "<DeleteResult><Deleted><Key>x</Key></Deleted><Error><Key>y</Key><Code>InternalError</Code></Error></DeleteResult>"))
        #expect(deleted.deleted == ["x"])
        #expect(deleted.errors == [S3KeyError(key: "y", code: "InternalError", message: nil)])
        #expect(deleted.errors[0].failure(bucket: "b", requestID: nil).isRetryable, "an InternalError entry is worth another try")
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: "very-secret", sessionToken: "token-secret")
        #expect(!"\(credentials)".contains("very-secret") && !"\(credentials)".contains("token-secret"))
        #expect(S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "a"]) == nil)
        #expect(S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_SESSION_TOKEN": ""])?.sessionToken == nil)
    }
}
