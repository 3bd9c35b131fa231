import Foundation

extension Process {
    /// Waits until the process has exited, on a Dispatch thread. Foundation's `waitUntilExit` spins a
    /// run loop on the calling thread until the child is reaped; on one of the cooperative pool's
    /// threads (two on a 2-core machine) it stalls every other task of the test process meanwhile, and
    /// real-time tests running beside it (a 1 s stall watchdog, say) then fail for no fault of theirs.
    public func exited() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
