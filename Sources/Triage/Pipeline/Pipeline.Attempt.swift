extension Pipeline {
    /// What an attempt knows about itself.
    public struct Attempt: Sendable {
        /// 1 for the first attempt.
        public var number: Int
        /// The failure of the attempt before, if any.
        public var previousFailure: Failure? {
            get { previous?.failure }
            set { previous = newValue.map(PreviousFailure.init) }
        }
        /// When this attempt must be done: the sooner of its attempt timeout and the overall deadline;
        /// `nil` when neither is set. Pass it on to what you call.
        public var deadline: C.Instant? {
            get { deadlineSinceEpoch.map { ClockEpochs.instant($0, as: C.Instant.self) } }
            set { deadlineSinceEpoch = newValue.map { ClockEpochs.shared($0).duration(to: $0) } }
        }
        /// The time this attempt has from its start (the distance to ``deadline``); `nil` when unlimited.
        public var timeLimit: Duration?
        /// Boxed so that an attempt stays a few words: it is passed to every call, and most have no
        /// previous failure.
        @usableFromInline var previous: PreviousFailure?
        /// ``deadline`` as a time since the epoch (``ClockEpochs``): an attempt holds no `C.Instant`, so
        /// that making, passing and dropping one is plain copying (the standard clocks' instants are
        /// resilient types, handled through their metadata).
        @usableFromInline var deadlineSinceEpoch: Duration?

        public init(number: Int, previousFailure: Failure? = nil, deadline: C.Instant? = nil, timeLimit: Duration? = nil) {
            self.init(number: number, previous: previousFailure, deadlineSinceEpoch: nil, timeLimit: timeLimit)
            self.deadline = deadline
        }

        @inlinable
        init(number: Int, previous: Failure?, deadlineSinceEpoch: Duration?, timeLimit: Duration?) {
            self.number = number
            self.previous = previous.map(PreviousFailure.init)
            self.deadlineSinceEpoch = deadlineSinceEpoch
            self.timeLimit = timeLimit
        }

        @usableFromInline
        final class PreviousFailure: Sendable {
            let failure: Failure
            @usableFromInline init(_ failure: Failure) { self.failure = failure }
        }
    }
}
