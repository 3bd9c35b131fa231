/// The request headers whose values are credentials: never printed (`triage probe` masks them) and
/// never forwarded by a redirect to another origin (TriageHTTP's `ResilientHTTPClient` drops them
/// there).
public enum SecretHeaders {
    /// `authorization`, `proxy-authorization`, `cookie`, `set-cookie`, `x-api-key`, `api-key`,
    /// `x-auth-token`, `private-token`, `x-goog-api-key`, `x-vault-token`, `x-amz-security-token`
    /// (lower case; compare case-insensitively).
    public static let standard: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
        "private-token", "x-goog-api-key", "x-vault-token", "x-amz-security-token",
    ]
}
