package dev.agate.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Recorder;

/**
 * One warm-up or measured phase: how many operations are still to be handled, and the recorder their
 * latencies go to. Handlers on any thread report to it; thread-safe and wait-free apart from the latch.
 */
final class Phase {
    private final long operations;
    private final CountDownLatch remaining;
    private final Recorder latencies;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

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

    /** Ends the phase in failure: {@link #await} throws it (the first one reported) instead of waiting on. */
    void fail(Throwable cause) {
        failure.compareAndSet(null, cause);
    }

    /** Waits until every operation has been handled; throws what {@link #fail} reported, if anything. */
    void await(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!remaining.await(50, TimeUnit.MILLISECONDS)) {
            checkFailure();
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException(remaining.getCount() + " of " + operations
                        + " operations were still not handled after " + timeout);
            }
        }
        checkFailure();
    }

    private void checkFailure() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("the phase failed: " + t, t);
        }
    }
}
