import Foundation

/// Runs `python3` scripts for tests that compare with Python's AWS libraries (botocore, boto3).
public enum Python {
    /// Runs `script` with `input` on standard input; returns its exit status, standard output and
    /// standard error. Waits without blocking a thread of the cooperative pool. Gives up after 120 s.
    public static func run(_ script: String, input: String = "", arguments: [String] = []) async throws -> (status: Int32, output: String, error: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triage-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("script.py")
        let inputURL = directory.appendingPathComponent("input")
        let outputURL = directory.appendingPathComponent("output")
        let errorURL = directory.appendingPathComponent("error")
        try Data(script.utf8).write(to: scriptURL)
        try Data(input.utf8).write(to: inputURL)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path] + arguments
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        // Bounded: a script that hangs is stopped after 120 s rather than hanging the test.
        let running = process
        let watchdog = Task {
            try await Task.sleep(for: .seconds(120))
            if running.isRunning { running.terminate() }
        }
        defer { watchdog.cancel() }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        return (status, output, error)
    }

    /// Whether `python3` can import every module in `modules` (found, not imported).
    public static func hasModules(_ modules: [String]) async -> Bool {
        let list = modules.map { "'\($0)'" }.joined(separator: ", ")
        let check = "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in (\(list),)) else 1)"
        return (try? await run(check).status) == 0
    }
}

/// IAM users on a moto server whose authentication is on (`INITIAL_NO_AUTH_ACTION_COUNT`).
public enum MotoIAM {
    /// The requests ``createUser(on:policy:)`` makes before authentication applies: start moto with
    /// `INITIAL_NO_AUTH_ACTION_COUNT` set to this.
    public static let bootstrapRequests = 3

    /// The environment that turns moto's authentication on after ``bootstrapRequests`` requests.
    public static var authenticatingEnvironment: [String: String] { ["INITIAL_NO_AUTH_ACTION_COUNT": String(bootstrapRequests)] }

    /// Creates user `triage` with the inline `policy` (an IAM policy document, JSON) and an access key,
    /// through boto3 (three IAM requests). Returns the key id and secret moto made.
    public static func createUser(on moto: MotoServer, policy: String) async throws -> (accessKeyID: String, secretAccessKey: String) {
        let script = """
        import sys, boto3
        iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1',
                           aws_access_key_id='bootstrap', aws_secret_access_key='bootstrap')
        iam.create_user(UserName='triage')
        iam.put_user_policy(UserName='triage', PolicyName='triage', PolicyDocument=sys.stdin.read())
        key = iam.create_access_key(UserName='triage')['AccessKey']
        print(key['AccessKeyId'], key['SecretAccessKey'])
        """
        let result = try await Python.run(script, input: policy, arguments: [moto.url])
        let parts = result.output.split(whereSeparator: \.isWhitespace)
        guard result.status == 0, parts.count == 2 else {
            throw MotoError(description: "creating an IAM user on moto failed (\(result.status)): \(result.error.suffix(400))")
        }
        return (String(parts[0]), String(parts[1]))
    }

    /// A policy that allows every S3 action except `deniedActions` on keys under `deniedPrefix` of `bucket`.
    public static func policy(allowingS3ExceptPrefix deniedPrefix: String? = nil, bucket: String = "*",
                              deniedActions: [String] = ["s3:PutObject", "s3:DeleteObject", "s3:GetObject"]) -> String {
        var statements = [#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#]
        if let deniedPrefix {
            let actions = deniedActions.map { "\"\($0)\"" }.joined(separator: ", ")
            statements.append(#"{"Effect": "Deny", "Action": [\#(actions)], "Resource": "arn:aws:s3:::\#(bucket)/\#(deniedPrefix)*"}"#)
        }
        return #"{"Version": "2012-10-17", "Statement": [\#(statements.joined(separator: ", "))]}"#
    }
}
