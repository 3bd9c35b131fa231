import Triage
/// A one-element rendezvous between the supervisor's task and the consumer of its ``WatchSupervisor``
/// sequence: `send` waits until the consumer has taken the element, so a slow consumer slows the
/// watch down instead of growing a buffer.
final class Handoff<Element: Sendable>: Sendable {
    private struct State {
        var pending: Element?
        var producer: CheckedContinuation<Void, Never>?
        var consumer: CheckedContinuation<Element?, any Error>?
        var finished = false
        var failure: (any Error)?
    }

    private let state = LockedValue(State())

    private enum SendStep { case gone, handed(CheckedContinuation<Element?, any Error>), stored }
    private enum NextStep { case element(Element, CheckedContinuation<Void, Never>?), end((any Error)?), wait }

    /// Hands `element` over; returns once the consumer has it, or at once when the consumer is gone.
    func send(_ element: Element) async {
        await withCheckedContinuation { (producer: CheckedContinuation<Void, Never>) in
            let step: SendStep = state.withLock { state in
                if state.finished { return .gone }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return .handed(consumer)
                }
                state.pending = element
                state.producer = producer
                return .stored
            }
            switch step {
            case .gone:
                producer.resume()
            case .handed(let consumer):
                consumer.resume(returning: element)
                producer.resume()
            case .stored:
                break
            }
        }
    }

    /// Ends the sequence, with `failure` when given. An element already handed over is still delivered.
    func finish(throwing failure: (any Error)? = nil) {
        let (consumer, producer, error) = state.withLock { state -> (CheckedContinuation<Element?, any Error>?, CheckedContinuation<Void, Never>?, (any Error)?) in
            guard !state.finished else { return (nil, nil, nil) }
            state.finished = true
            let consumer = state.consumer
            let producer = state.producer
            state.consumer = nil
            state.producer = nil
            // A waiting consumer takes the failure now; otherwise the next call to `next` does.
            if consumer == nil { state.failure = failure }
            return (consumer, producer, consumer == nil ? nil : failure)
        }
        producer?.resume()
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
    }

    /// The next element; `nil` after the end.
    func next() async throws -> Element? {
        try await withCheckedThrowingContinuation { (consumer: CheckedContinuation<Element?, any Error>) in
            let step: NextStep = state.withLock { state in
                if let pending = state.pending {
                    state.pending = nil
                    let producer = state.producer
                    state.producer = nil
                    return .element(pending, producer)
                }
                if state.finished {
                    let failure = state.failure
                    state.failure = nil
                    return .end(failure)
                }
                state.consumer = consumer
                return .wait
            }
            switch step {
            case .element(let element, let producer):
                producer?.resume()
                consumer.resume(returning: element)
            case .end(let failure?):
                consumer.resume(throwing: failure)
            case .end(nil):
                consumer.resume(returning: nil)
            case .wait:
                break
            }
        }
    }
}
