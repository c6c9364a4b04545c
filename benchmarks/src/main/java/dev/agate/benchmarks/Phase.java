package dev.agate.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Recorder;

/**
 * One warm-up or measured phase: how many operations are still to be handled, and the recorder their
 * latencies go to. Handlers on any thread report to it; thread-safe and wait-free apart from the latch.
 */
final class Phase {
    private final long operations;
    private final CountDownLatch remaining;
    private final Recorder latencies;

    Phase(long operations, Recorder latencies) {
        if (operations < 1 || operations > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a phase has 1 to " + Integer.MAX_VALUE + " operations, not " + operations);
        }
        this.operations = operations;
        this.remaining = new CountDownLatch((int) operations);
        this.latencies = latencies;
    }

    long operations() {
        return operations;
    }

    /** Records one latency, in nanoseconds. */
    void record(long latencyNanos) {
        latencies.recordValue(Math.max(0, latencyNanos));
    }

    /** Counts one operation as handled. */
    void handled() {
        remaining.countDown();
    }

    /** Records one latency, in nanoseconds, and counts its operation as handled. */
    void handled(long latencyNanos) {
        record(latencyNanos);
        handled();
    }

    /** Waits until every operation has been handled. */
    void await(Duration timeout) throws InterruptedException, TimeoutException {
        if (!remaining.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException(remaining.getCount() + " of " + operations
                    + " operations were still not handled after " + timeout);
        }
    }
}
