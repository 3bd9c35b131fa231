#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`, with `Synchronization.Mutex`'s `withLock` shape.
///
/// Why not `Mutex`: on Linux, ThreadSanitizer does not see `Mutex`'s acquire on the contended path
/// (the kernel hands the lock over), so every contended `Mutex` reads as a data race and a TSan run
/// says nothing. TSan intercepts pthread mutexes. The cost is one allocation per lock (locks are made
/// with the policies, not per call) and the same uncontended lock/unlock.
///
/// `package`: the project's modules and tests share it; it is not part of the public API.
package final class LockedValue<Value>: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = UnsafeMutablePointer.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let result = pthread_mutex_init(mutex, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock. Inlinable, so that each module specialises it
    /// for its own values instead of calling the generic version.
    @inlinable
    package func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
