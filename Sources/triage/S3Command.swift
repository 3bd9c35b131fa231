import ArgumentParser

/// `triage s3`: the TriageS3 client on the command line (the contract is docs' `triage s3` section).
struct S3Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3",
        abstract: "Talk to an S3-compatible server with Triage's failure handling: typed errors, retries, partial failure, fallbacks.",
        subcommands: [S3PutCommand.self, S3GetCommand.self, S3HeadCommand.self, S3RmCommand.self, S3LsCommand.self,
                      S3PutManyCommand.self, S3RmManyCommand.self]
    )
}
