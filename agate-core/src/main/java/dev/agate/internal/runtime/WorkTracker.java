package dev.agate.internal.runtime;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the envelopes accepted by the host's endpoints and not yet finished, across all endpoints, so
 * that close() can wait for the host to be idle. One counter for the whole host, because handling in one
 * queue can cascade into another: per-queue counts read one after another could all be zero while work
 * moves between them. A cascade is counted before its parent is finished, so zero really means idle.
 */
final class WorkTracker {
    private final AtomicLong pending = new AtomicLong();
    private final Object idle = new Object();
    /** Threads in awaitIdle: without them, end() costs one atomic decrement and one volatile read. */
    private volatile int waiters;

    void begin() {
        pending.incrementAndGet();
    }

    void end() {
        if (pending.decrementAndGet() == 0 && waiters > 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    long pending() {
        return pending.get();
    }

    /** Waits until nothing is pending or the timeout passes; true when idle. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            waiters++;
            try {
                while (pending.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    // Bounded wait: a wake-up every 50 ms costs nothing and covers an end() that ran before waiters++.
                    idle.wait(Math.max(1, Math.min(50, left / 1_000_000)));
                }
                return true;
            } finally {
                waiters--;
            }
        }
    }
}
