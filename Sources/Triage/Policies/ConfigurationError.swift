/// A policy was built with values that cannot work. Thrown where the policy is made, never at run time.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which setting is wrong, e.g. `"RetryPolicy.maximumAttempts"`.
    public var setting: String
    /// What is wrong with it.
    public var problem: String

    public init(_ setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "invalid \(setting): \(problem)" }

    static func require(_ condition: Bool, _ setting: String, _ problem: @autoclosure () -> String) throws(ConfigurationError) {
        if !condition { throw ConfigurationError(setting, problem()) }
    }
}
