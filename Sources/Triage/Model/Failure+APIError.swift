extension Failure {
    /// The Kubernetes `Status` the response carried (or client-go's stand-in for a non-Status body).
    public var kubernetesStatus: KubernetesStatus? {
        if case .kubernetes(let status)? = api?.document { return status }
        return nil
    }

    /// The S3 `<Error>` document the response carried.
    public var s3Error: S3ErrorResponse? {
        if case .s3(let error)? = api?.document { return error }
        return nil
    }

    /// The RFC 9457 problem details the response carried.
    public var problemDetails: ProblemDetails? {
        if case .problem(let problem)? = api?.document { return problem }
        return nil
    }
}
