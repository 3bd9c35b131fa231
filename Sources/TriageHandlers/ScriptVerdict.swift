import Foundation
import Triage

/// What a handler script's exit means, by the `triage kube handle` convention:
///
/// | exit | meaning |
/// |---|---|
/// | 0 | success |
/// | 75 (EX_TEMPFAIL) | ``TemporaryError``; its delay is the last stdout line's `delay=SECONDS`, else the default |
/// | 65 (EX_DATAERR) | ``PermanentError`` |
/// | anything else, or a signal | an arbitrary error (``ScriptError``): ``HandlerOptions/errors`` decides |
///
/// The message is the last non-empty line of stderr. In ``ErrorsMode/classified`` mode a last stderr line
/// of the form `kind=http.throttled` names the taxonomy kind the error is classified as.
public enum ScriptVerdict {
    /// The exit code of a temporary error (EX_TEMPFAIL).
    public static let temporaryExit: Int32 = 75
    /// The exit code of a permanent error (EX_DATAERR).
    public static let permanentExit: Int32 = 65

    /// The handler result of a script that exited with `exit` (`nil` when killed by a signal).
    ///
    /// - Parameter temporaryDelay: the delay of a temporary error whose stdout names none.
    public static func result(
        exit: Int32?, signal: Int32? = nil, standardOutput: String, standardError: String, temporaryDelay: Duration
    ) -> Result<Void, any Error> {
        let message = lastLine(standardError)
        switch exit {
        case 0:
            return .success(())
        case temporaryExit:
            let delay = retryAfter(lastLine(standardOutput)) ?? temporaryDelay
            return .failure(TemporaryError(message ?? "temporary error (exit 75)", delay: delay))
        case permanentExit:
            return .failure(PermanentError(message ?? "permanent error (exit 65)"))
        default:
            return .failure(ScriptError(exit: exit, signal: signal, message: message))
        }
    }

    /// `delay=SECONDS` as a duration: finite, not negative, at most a day; `nil` for anything else.
    static func retryAfter(_ line: String?) -> Duration? {
        guard let line, line.hasPrefix("delay="), let seconds = Double(line.dropFirst("delay=".count)),
              seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }

    /// The last line with something on it, trimmed.
    static func lastLine(_ text: String) -> String? {
        text.split(whereSeparator: \.isNewline).lazy.map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty }
    }
}

/// A handler script that exited with neither 0, 75 nor 65, or was killed by a signal.
///
/// It classifies itself: as the taxonomy kind its last stderr line names (`kind=connect.refused`), else as
/// `unknown`.
public struct ScriptError: Error, Sendable, CustomStringConvertible, ClassifiableError {
    /// The exit status, or `nil` when a signal ended the process.
    public var exit: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    /// The last line of its stderr.
    public var message: String?

    public init(exit: Int32?, signal: Int32?, message: String?) {
        self.exit = exit
        self.signal = signal
        self.message = message
    }

    /// The kind the last stderr line names (`kind=ID`, a kind of the standard catalogue), or `unknown`.
    public var failureKind: FailureKind {
        guard let message, message.hasPrefix("kind=") else { return .unknown }
        let id = message.dropFirst("kind=".count).prefix { !$0.isWhitespace }
        return FailureKind.allStandard.first { $0.id == id } ?? .unknown
    }

    public var description: String {
        let how = exit.map { "exited with \($0)" } ?? "killed by signal \(signal ?? 0)"
        return message.map { "\($0) (\(how))" } ?? "the handler \(how)"
    }
}
